using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>The Audit Log download of an import (support and admin): CSV streamed straight to the response.</summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class AuditLogModel(Database database, AuditLog auditLog) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id)
    {
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            var jobType = await connection.QuerySingleOrDefaultAsync<string>("SELECT job_type FROM jobs WHERE id = @id", new { id });
            if (jobType != "Import") return NotFound();
        }

        Response.ContentType = "text/csv; charset=utf-8";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"audit-{id}.csv");
        Response.Headers.ContentDisposition = disposition.ToString();
        Response.Headers.CacheControl = "no-store";
        await auditLog.WriteCsvAsync(id, Response.Body, HttpContext.RequestAborted);
        return new EmptyResult();
    }
}
