using System.IO.Compression;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// Download all (support and admin): every finished batch file of an export, in batch order, as one
/// {exportName}.zip written straight to the response - one file at a time through a small buffer,
/// never the archive (or a batch file) in memory. Batches that have not committed are not in it.
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class ExportArchiveModel(Database database, FileStore fileStore, ILogger<ExportArchiveModel> logger) : ExpiringDownloadModel
{
    private sealed record Export
    {
        public string? ExportName { get; init; }
        public string FileName { get; init; } = "";
    }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        if (await Expiry.TextAsync(HttpContext, database, id, JobTypes.Export, audit: false) is { } expired) return Gone(id, expired);
        return await WriteAsync(HttpContext, database, fileStore, logger, id) ? new EmptyResult() : NotFound();
    }

    /// <summary>
    /// Writes the export's archive to the response of <paramref name="context"/> (this page and the REST API); false, with
    /// nothing written, when the job is not an export.
    /// </summary>
    public static async Task<bool> WriteAsync(HttpContext context, Database database, FileStore fileStore, ILogger logger, long id)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        Export? export;
        List<long> fileIds;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            export = await connection.QuerySingleOrDefaultAsync<Export>(
                "SELECT export_name AS ExportName, file_name AS FileName FROM jobs WHERE id = @id AND job_type = @Export",
                new { id, Export = JobTypes.Export });
            if (export is null) return false;
            fileIds = (await connection.QueryAsync<long>(
                "SELECT file_id FROM batches WHERE job_id = @id AND status = @Completed AND file_id IS NOT NULL ORDER BY batch_no",
                new { id, Completed = Status.Completed })).AsList();
        }

        await context.RecordDownloadAsync(ActivityActions.DownloadArchive, id);
        response.ContentType = "application/zip";
        response.SetAttachment($"{export.ExportName ?? export.FileName}.zip");

        var body = new SyncWritesDeferred(response.Body);
        await using (var archive = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            await WriteEntriesAsync(archive, fileStore, logger, id, fileIds, cancellationToken);
        }
        await body.FlushAsync(cancellationToken);
        return true;
    }

    private static async Task WriteEntriesAsync(ZipArchive archive, FileStore fileStore, ILogger logger, long id, List<long> fileIds, CancellationToken cancellationToken)
    {
        foreach (var fileId in fileIds)
        {
            if (await fileStore.OpenReadAsync(fileId, cancellationToken) is not { } stored)
            {
                // The response has started: all that can be done is to leave the file out and say so in the log.
                logger.LogWarning("Job {JobId}: stored file {FileId} of a committed batch is missing from storage; left out of the archive", id, fileId);
                continue;
            }
            await using var content = stored.Content;
            var entry = archive.CreateEntry(stored.File.FileName, CompressionLevel.Fastest);
            await using var entryStream = await entry.OpenAsync(cancellationToken);
            await content.CopyToAsync(entryStream, 1 << 16, cancellationToken);
        }
    }

    /// <summary>
    /// The response body for ZipArchive, which still writes synchronously in places (an entry's last
    /// compressed bytes and its data descriptor, when the entry stream is disposed) where Kestrel allows
    /// only asynchronous writes. Synchronous writes are held here - a few KiB at a time - and sent ahead
    /// of the next asynchronous write or flush.
    /// </summary>
    private sealed class SyncWritesDeferred(Stream response) : Stream
    {
        private readonly MemoryStream held = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => held.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => held.Write(buffer);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await response.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await response.FlushAsync(cancellationToken);
        }

        /// <summary>Nothing is sent synchronously: what is held goes with the next asynchronous write or flush.</summary>
        public override void Flush()
        {
        }

        private async Task SendHeldAsync(CancellationToken cancellationToken)
        {
            if (held.Length == 0) return;
            await response.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
            held.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
