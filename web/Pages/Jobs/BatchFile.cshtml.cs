using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// One finished batch file of an export (support and admin), {exportName}-{batchNo}.json. Addressed by
/// job id and batch number only; the file is found through batches.file_id, which is set in the
/// batch's own commit, so a batch that has not committed has no file to offer (404). The REST API
/// opens it the same way.
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class BatchFileModel(Database database, FileStore fileStore) : ExpiringDownloadModel
{
    public async Task<IActionResult> OnGetAsync(long id, int batchNo)
    {
        if (await OpenAsync(database, fileStore, id, batchNo, HttpContext.RequestAborted) is not { } stored)
            return await Expiry.TextAsync(HttpContext, database, id, JobTypes.Export, audit: false) is { } expired ? Gone(id, expired) : NotFound();
        await HttpContext.RecordDownloadAsync(ActivityActions.DownloadBatchFile, id, $"batch {batchNo}");
        Response.Headers.CacheControl = "no-store";
        return new FileStreamResult(stored.Content, "application/json") { FileDownloadName = stored.File.FileName, EnableRangeProcessing = true };
    }

    /// <summary>The committed batch file of an export's batch, opened for reading; null when there is none.</summary>
    public static async Task<(Stream Content, StoredFile File)?> OpenAsync(Database database, FileStore fileStore, long id, int batchNo, CancellationToken cancellationToken)
    {
        long? fileId;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            fileId = await connection.QuerySingleOrDefaultAsync<long?>("""
                SELECT b.file_id
                  FROM batches b
                  JOIN jobs j ON j.id = b.job_id
                 WHERE b.job_id = @id AND b.batch_no = @batchNo AND j.job_type = @Export AND b.status = @Completed
                """, new { id, batchNo, Export = JobTypes.Export, Completed = Status.Completed });
        }
        return fileId is { } storedId ? await fileStore.OpenReadAsync(storedId, cancellationToken) : null;
    }
}
