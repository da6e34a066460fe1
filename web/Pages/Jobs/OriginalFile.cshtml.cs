using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// The original imported file (support and admin). Found through the job's source_file_id, never
/// through anything in the request but the job id; downloaded under the name it was uploaded with
/// (Content-Disposition encoded by <see cref="FileStreamResult"/>).
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class OriginalFileModel(Database database, FileStore fileStore) : PageModel
{
    private sealed record Source
    {
        public long? SourceFileId { get; init; }
        public string? FileFormat { get; init; }
    }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        Source? source;
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            source = await connection.QuerySingleOrDefaultAsync<Source>(
                "SELECT source_file_id AS SourceFileId, file_format AS FileFormat FROM jobs WHERE id = @id", new { id });
        }
        if (source?.SourceFileId is not { } fileId) return NotFound();
        if (await fileStore.OpenReadAsync(fileId, HttpContext.RequestAborted) is not { } stored) return NotFound();

        var contentType = Enum.TryParse<FileFormat>(source.FileFormat, out var format) ? format switch
        {
            FileFormat.Csv => "text/csv",
            FileFormat.Json => "application/json",
            FileFormat.JsonLines => "application/x-ndjson",
            _ => "application/octet-stream",
        } : "application/octet-stream";
        return new FileStreamResult(stored.Content, contentType) { FileDownloadName = stored.File.FileName, EnableRangeProcessing = true };
    }
}
