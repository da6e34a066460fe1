using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Imports;

/// <summary>Creates import jobs. The web request ends here; a worker picks the job up from the table.</summary>
public sealed class ImportSubmission(
    Database database,
    FileStore files,
    IOptions<EngineOptions> options,
    WorkerNudge nudge,
    ILogger<ImportSubmission> logger)
{
    /// <summary>
    /// Stores an upload as it streams in (never buffered, refused past JobTracker:MaxUploadBytes, when
    /// empty, or when storage has no room for it) and queues its import into a collection; returns the job
    /// id. The stored file's row and its job commit together, so a refused or failed upload leaves no job
    /// and no file. <paramref name="declaredBytes"/> is the size the request announced, if any (checked
    /// against the free space before a byte is stored). Throws <see cref="UploadRejectedException"/>, with
    /// a message for the user, when the file cannot be imported.
    /// </summary>
    public async Task<long> SubmitAsync(
        long collectionId, Stream content, string fileName, string initiatedBy, CancellationToken cancellationToken = default, long? declaredBytes = null)
    {
        if (fileName.Length == 0) throw new UploadRejectedException("Choose a file to import.");
        if (FileFormats.FromFileName(fileName) is not { } format) throw new UploadRejectedException("Only .csv, .json and .jsonl files can be imported.");

        StoredFile? stored = null;
        var jobId = await files.SaveAsync(content, fileName, options.Value.MaxUploadBytes, declaredBytes, (connection, transaction, file) =>
        {
            stored = file;
            return InsertJobAsync(connection, transaction, collectionId, file, format, initiatedBy);
        }, cancellationToken);
        await nudge.WakeAsync(cancellationToken);
        logger.LogInformation("{UserName} submitted import job {JobId} of {FileName} ({SizeBytes} bytes) into collection {CollectionId}",
            initiatedBy, jobId, fileName, stored!.SizeBytes, collectionId);
        return jobId;
    }

    /// <summary>Queues an import of an already stored file into a collection and returns the job id (tests and benchmarks store files themselves).</summary>
    public async Task<long> SubmitAsync(long collectionId, StoredFile file, FileFormat format, string initiatedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobId = await InsertJobAsync(connection, null, collectionId, file, format, initiatedBy);
        await nudge.WakeAsync(cancellationToken);
        return jobId;
    }

    private Task<long> InsertJobAsync(
        DbConnection connection, DbTransaction? transaction, long collectionId, StoredFile file, FileFormat format, string initiatedBy) =>
        connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, file_format, source_file_id, status, initiated_by, batch_size, created_at",
                "@CollectionId, 'Import', @FileName, @Format, @FileId, @Status, @InitiatedBy, @BatchSize, @Now"),
            new
            {
                CollectionId = collectionId,
                FileName = file.FileName,
                Format = format.ToString(),
                FileId = file.Id,
                Status = Status.Queued,
                InitiatedBy = initiatedBy,
                options.Value.BatchSize,
                Now = DateTime.UtcNow,
            },
            transaction);
}
