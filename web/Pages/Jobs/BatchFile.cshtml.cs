using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// One finished batch file of an export (support and admin), {exportName}-{batchNo}.json. Addressed by
/// job id and batch number only; the file is found through batches.file_id, which is set in the
/// batch's own commit, so a batch that has not committed has no file to offer (404).
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class BatchFileModel(Database database, FileStore fileStore) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id, int batchNo)
    {
        long? fileId;
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            fileId = await connection.QuerySingleOrDefaultAsync<long?>("""
                SELECT b.file_id
                  FROM batches b
                  JOIN jobs j ON j.id = b.job_id
                 WHERE b.job_id = @id AND b.batch_no = @batchNo AND j.job_type = @Export AND b.status = @Completed
                """, new { id, batchNo, Export = JobTypes.Export, Completed = Status.Completed });
        }
        if (fileId is not { } storedId) return NotFound();
        if (await fileStore.OpenReadAsync(storedId, HttpContext.RequestAborted) is not { } stored) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return new FileStreamResult(stored.Content, "application/json") { FileDownloadName = stored.File.FileName, EnableRangeProcessing = true };
    }
}
