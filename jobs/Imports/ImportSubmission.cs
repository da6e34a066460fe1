using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
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
    ActivityTrail activity,
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
    /// <paramref name="retryOf"/> names the import whose failed rows this file retries; <paramref name="columnMapping"/>
    /// (jobs.column_mapping, <see cref="ColumnMapping.ToJson"/>) maps its columns when given (else the default matching).
    /// </summary>
    public async Task<long> SubmitAsync(
        long collectionId, Stream content, string fileName, string initiatedBy, CancellationToken cancellationToken = default, long? declaredBytes = null,
        bool dryRun = false, long? retryOf = null, string? columnMapping = null, ActivityActor? actor = null)
    {
        if (fileName.Length == 0) throw new UploadRejectedException("Choose a file to import.");
        if (FileFormats.FromFileName(fileName) is not { } format) throw new UploadRejectedException("Only .csv, .json and .jsonl files can be imported.");

        StoredFile? stored = null;
        var jobId = await files.SaveAsync(content, fileName, options.Value.MaxUploadBytes, declaredBytes, (connection, transaction, file) =>
        {
            stored = file;
            return InsertJobAsync(connection, transaction, collectionId, file, format, initiatedBy, dryRun, retryOf, columnMapping, actor);
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
        public string? ColumnMapping { get; init; }
    }

    /// <summary>
    /// "Import for real": queues the import of a finished dry run's stored file, the same file (both jobs
    /// refer to it; the storage sweep removes a file only when no job refers to it). Returns the new job's id.
    /// </summary>
    /// <exception cref="ChangeRefusedException">The job is not a finished dry run, or its file is gone.</exception>
    public async Task<long> ImportForRealAsync(long dryRunJobId, string initiatedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await connection.QuerySingleOrDefaultAsync<DryRunJob>("""
            SELECT j.collection_id AS CollectionId, j.file_name AS FileName, j.file_format AS FileFormat, f.id AS SourceFileId,
                   j.status AS Status, j.dry_run AS DryRun, j.column_mapping AS ColumnMapping
              FROM jobs j LEFT JOIN stored_files f ON f.id = j.source_file_id
             WHERE j.id = @dryRunJobId AND j.job_type = @Import
            """, new { dryRunJobId, Import = JobTypes.Import }, transaction);
        if (job is not { DryRun: true } || !Status.IsFinished(job.Status))
            throw new ChangeRefusedException("job", $"Job {dryRunJobId} is not a finished dry run.");
        if (job.SourceFileId is not { } fileId || !Enum.TryParse<FileFormat>(job.FileFormat, out var format))
            throw new ChangeRefusedException("job", $"The file of job {dryRunJobId} is no longer stored: import it again.");
        var jobId = await InsertJobAsync(connection, transaction, job.CollectionId, new StoredFile(fileId, job.FileName, 0), format, initiatedBy, dryRun: false, retryOf: null, job.ColumnMapping, actor,
            ActivityActions.ImportForReal, $"of dry run {dryRunJobId}");
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
        var jobId = await InsertJobAsync(connection, null, collectionId, file, format, initiatedBy, dryRun: false, retryOf: null, columnMapping: null, actor: null);
        await nudge.WakeAsync(cancellationToken);
        return jobId;
    }

    /// <summary>
    /// Queues the import of a file stored for the mapping step (<see cref="MappingStep"/>), with the mapping the
    /// admin confirmed, and returns the job id. The file must still be waiting (no job refers to it), checked in
    /// the transaction that inserts the job.
    /// </summary>
    /// <exception cref="ChangeRefusedException">The file is no longer waiting: imported already, cancelled or removed.</exception>
    internal async Task<long> SubmitPendingAsync(
        long collectionId, long fileId, string columnMapping, bool dryRun, string initiatedBy, CancellationToken cancellationToken, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var fileName = await connection.QuerySingleOrDefaultAsync<string>("""
            SELECT f.file_name FROM stored_files f
             WHERE f.id = @fileId
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_file_id = f.id)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.file_id = f.id)
            """, new { fileId }, transaction);
        if (fileName is null || FileFormats.FromFileName(fileName) is not { } format)
            throw new ChangeRefusedException("file", MappingStep.FileGone);
        var jobId = await InsertJobAsync(
            connection, transaction, collectionId, new StoredFile(fileId, fileName, 0), format, initiatedBy, dryRun, retryOf: null, columnMapping, actor,
            detail: "with a reviewed column mapping");
        await transaction.CommitAsync(cancellationToken);
        await nudge.WakeAsync(cancellationToken);
        logger.LogInformation("{UserName} submitted {JobKind} job {JobId} of {FileName} into collection {CollectionId} with a reviewed column mapping",
            initiatedBy, dryRun ? "dry run" : "import", jobId, fileName, collectionId);
        return jobId;
    }

    private async Task<long> InsertJobAsync(
        DbConnection connection, DbTransaction? transaction, long collectionId, StoredFile file, FileFormat format, string initiatedBy,
        bool dryRun, long? retryOf, string? columnMapping, ActivityActor? actor, string? action = null, string? detail = null)
    {
        var jobId = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, file_format, source_file_id, status, initiated_by, batch_size, created_at, dry_run, retry_of_job_id, column_mapping",
                "@CollectionId, 'Import', @FileName, @Format, @FileId, @Status, @InitiatedBy, @BatchSize, @Now, @DryRun, @RetryOf, @ColumnMapping"),
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
                ColumnMapping = columnMapping,
            },
            transaction);
        action ??= retryOf is not null ? ActivityActions.Retry : dryRun ? ActivityActions.SubmitDryRun : ActivityActions.SubmitImport;
        detail ??= retryOf is { } retried ? $"of job {retried}" : null;
        await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(initiatedBy), action, ActivityObjects.Job, jobId, file.FileName, jobId, detail);
        return jobId;
    }
}
