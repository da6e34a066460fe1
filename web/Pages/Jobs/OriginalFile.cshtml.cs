using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// The original imported file (support and admin). Found through the job's source_file_id, never
/// through anything in the request but the job id; downloaded under the name it was uploaded with
/// (Content-Disposition encoded by <see cref="FileStreamResult"/>). The REST API opens it the same way.
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class OriginalFileModel(Database database, FileStore fileStore) : ExpiringDownloadModel
{
    private sealed record Source
    {
        public long? SourceFileId { get; init; }
        public string? FileFormat { get; init; }
    }

    /// <summary>An open stored file, its name and its content type.</summary>
    public sealed record OpenFile(Stream Content, string FileName, string ContentType);

    public async Task<IActionResult> OnGetAsync(long id)
    {
        if (await Expiry.TextAsync(HttpContext, database, id, JobTypes.Import, audit: false) is { } expired) return Gone(id, expired);
        if (await OpenAsync(database, fileStore, id, HttpContext.RequestAborted) is not { } file) return NotFound();
        await HttpContext.RecordDownloadAsync(ActivityActions.DownloadOriginal, id);
        return new FileStreamResult(file.Content, file.ContentType) { FileDownloadName = file.FileName, EnableRangeProcessing = true };
    }

    /// <summary>The job's imported file, opened for reading; null when the job has none (or it is gone).</summary>
    public static async Task<OpenFile?> OpenAsync(Database database, FileStore fileStore, long id, CancellationToken cancellationToken)
    {
        Source? source;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            source = await connection.QuerySingleOrDefaultAsync<Source>(
                "SELECT source_file_id AS SourceFileId, file_format AS FileFormat FROM jobs WHERE id = @id", new { id });
        }
        if (source?.SourceFileId is not { } fileId) return null;
        if (await fileStore.OpenReadAsync(fileId, cancellationToken) is not { } stored) return null;

        var contentType = Enum.TryParse<FileFormat>(source.FileFormat, out var format) ? format switch
        {
            FileFormat.Csv => "text/csv",
            FileFormat.Json => "application/json",
            FileFormat.JsonLines => "application/x-ndjson",
            _ => "application/octet-stream",
        } : "application/octet-stream";
        return new OpenFile(stored.Content, stored.File.FileName, contentType);
    }
}
