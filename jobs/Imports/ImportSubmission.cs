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
    /// a message for the user, when the file cannot be imported. A <paramref name="dryRun"/> ("Validate
    /// only") reads, validates and matches keys like the import and writes nothing to the collection;
    /// <paramref name="retryOf"/> names the import whose failed rows this file retries.
    /// </summary>
    public async Task<long> SubmitAsync(
        long collectionId, Stream content, string fileName, string initiatedBy, CancellationToken cancellationToken = default, long? declaredBytes = null,
        bool dryRun = false, long? retryOf = null)
    {
        if (fileName.Length == 0) throw new UploadRejectedException("Choose a file to import.");
        if (FileFormats.FromFileName(fileName) is not { } format) throw new UploadRejectedException("Only .csv, .json and .jsonl files can be imported.");

        StoredFile? stored = null;
        var jobId = await files.SaveAsync(content, fileName, options.Value.MaxUploadBytes, declaredBytes, (connection, transaction, file) =>
        {
            stored = file;
            return InsertJobAsync(connection, transaction, collectionId, file, format, initiatedBy, dryRun, retryOf);
        }, cancellationToken);
        await nudge.WakeAsync(cancellationToken);
        logger.LogInformation("{UserName} submitted {JobKind} job {JobId} of {FileName} ({SizeBytes} bytes) into collection {CollectionId}",
            initiatedBy, dryRun ? "dry run" : retryOf is null ? "import" : $"retry of job {retryOf}", jobId, fileName, stored!.SizeBytes, collectionId);
        return jobId;
    }

    private sealed record DryRunJob
    {
        public long CollectionId { get; init; }
        public string FileName { get; init; } = "";
        public string? FileFormat { get; init; }
        public long? SourceFileId { get; init; }
        public string Status { get; init; } = "";
        public bool DryRun { get; init; }
    }

    /// <summary>
    /// "Import for real": queues the import of a finished dry run's stored file, the same file (both jobs
    /// refer to it; the storage sweep removes a file only when no job refers to it). Returns the new job's id.
    /// </summary>
    /// <exception cref="ChangeRefusedException">The job is not a finished dry run, or its file is gone.</exception>
    public async Task<long> ImportForRealAsync(long dryRunJobId, string initiatedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await connection.QuerySingleOrDefaultAsync<DryRunJob>("""
            SELECT j.collection_id AS CollectionId, j.file_name AS FileName, j.file_format AS FileFormat, f.id AS SourceFileId,
                   j.status AS Status, j.dry_run AS DryRun
              FROM jobs j LEFT JOIN stored_files f ON f.id = j.source_file_id
             WHERE j.id = @dryRunJobId AND j.job_type = @Import
            """, new { dryRunJobId, Import = JobTypes.Import }, transaction);
        if (job is not { DryRun: true } || !Status.IsFinished(job.Status))
            throw new ChangeRefusedException("job", $"Job {dryRunJobId} is not a finished dry run.");
        if (job.SourceFileId is not { } fileId || !Enum.TryParse<FileFormat>(job.FileFormat, out var format))
            throw new ChangeRefusedException("job", $"The file of job {dryRunJobId} is no longer stored: import it again.");
        var jobId = await InsertJobAsync(connection, transaction, job.CollectionId, new StoredFile(fileId, job.FileName, 0), format, initiatedBy, dryRun: false, retryOf: null);
        await transaction.CommitAsync(cancellationToken);
        await nudge.WakeAsync(cancellationToken);
        logger.LogInformation("{UserName} submitted import job {JobId} of the file of dry run {DryRunJobId} into collection {CollectionId}",
            initiatedBy, jobId, dryRunJobId, job.CollectionId);
        return jobId;
    }

    /// <summary>Queues an import of an already stored file into a collection and returns the job id (tests and benchmarks store files themselves).</summary>
    public async Task<long> SubmitAsync(long collectionId, StoredFile file, FileFormat format, string initiatedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobId = await InsertJobAsync(connection, null, collectionId, file, format, initiatedBy, dryRun: false, retryOf: null);
        await nudge.WakeAsync(cancellationToken);
        return jobId;
    }

    private Task<long> InsertJobAsync(
        DbConnection connection, DbTransaction? transaction, long collectionId, StoredFile file, FileFormat format, string initiatedBy,
        bool dryRun, long? retryOf) =>
        connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, file_format, source_file_id, status, initiated_by, batch_size, created_at, dry_run, retry_of_job_id",
                "@CollectionId, 'Import', @FileName, @Format, @FileId, @Status, @InitiatedBy, @BatchSize, @Now, @DryRun, @RetryOf"),
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
                DryRun = dryRun,
                RetryOf = retryOf,
            },
            transaction);
}
