using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// The failed-rows file of an import (support and admin): built by <see cref="FailedRowsFile"/> and streamed
/// straight to the response. 404 for a job that has none (see <see cref="FailedRowsFile.Offers"/>).
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class FailedRowsModel(FailedRowsFile failedRows, Database database) : ExpiringDownloadModel
{
    public async Task<IActionResult> OnGetAsync(long id)
    {
        if (await Expiry.TextAsync(HttpContext, database, id, JobTypes.Import, audit: null) is { } expired) return Gone(id, expired);
        if (await failedRows.FormatOfAsync(id, HttpContext.RequestAborted) is not { } format) return NotFound();

        Response.ContentType = format switch
        {
            FileFormat.Csv => "text/csv; charset=utf-8",
            FileFormat.Json => "application/json",
            _ => "application/x-ndjson",
        };
        await HttpContext.RecordDownloadAsync(ActivityActions.DownloadFailedRows, id);
        Response.SetAttachment(FailedRowsFile.FileName(id, format));
        await failedRows.WriteAsync(id, Response.Body, HttpContext.RequestAborted);
        return new EmptyResult();
    }
}
