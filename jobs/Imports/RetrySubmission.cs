using System.IO.Pipelines;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// Retry failed rows: queues a new import, into the same collection, of exactly the failed rows of an
/// import (its failed-rows file, <see cref="FailedRowsFile"/>, streamed into storage as it is written:
/// never whole in memory), or of the corrected file an admin uploads instead. The new job names the one
/// it retries (jobs.retry_of_job_id) and maps its columns as that one did (jobs.column_mapping); its stored file
/// and its row commit together, as for any upload.
/// </summary>
public sealed class RetrySubmission(Database database, FailedRowsFile failedRows, ImportSubmission imports)
{
    /// <summary>Whether a job's failed rows can be retried: a real import (not a dry run) with a failed-rows file.</summary>
    public static bool Offers(string jobType, bool dryRun, string status, int? batchCount, long? sourceFileId) =>
        !dryRun && FailedRowsFile.Offers(jobType, status, batchCount, sourceFileId);

    private sealed record Job
    {
        public long CollectionId { get; init; }
        public string JobType { get; init; } = "";
        public string Status { get; init; } = "";
        public int? BatchCount { get; init; }
        public long? SourceFileId { get; init; }
        public string? FileFormat { get; init; }
        public bool DryRun { get; init; }
        public string? ColumnMapping { get; init; }
    }

    /// <summary>
    /// Queues the retry of job <paramref name="jobId"/>'s failed rows and returns the new job's id. With
    /// <paramref name="corrected"/> (an upload named <paramref name="fileName"/>), that file is imported
    /// instead of the failed-rows file.
    /// </summary>
    /// <exception cref="ChangeRefusedException">The job has no failed rows to retry, or its file is gone.</exception>
    /// <exception cref="UploadRejectedException">The corrected file cannot be imported; the message says why.</exception>
    public async Task<long> RetryAsync(
        long jobId, Stream? corrected, string? fileName, string initiatedBy, long? declaredBytes = null, CancellationToken cancellationToken = default,
        Activity.ActivityActor? actor = null)
    {
        Job? job;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            job = await connection.QuerySingleOrDefaultAsync<Job>(new CommandDefinition("""
                SELECT j.collection_id AS CollectionId, j.job_type AS JobType, j.status AS Status, j.batch_count AS BatchCount,
                       f.id AS SourceFileId, j.file_format AS FileFormat, j.dry_run AS DryRun,
                       j.column_mapping AS ColumnMapping
                  FROM jobs j LEFT JOIN stored_files f ON f.id = j.source_file_id
                 WHERE j.id = @jobId
                """, new { jobId }, cancellationToken: cancellationToken));
        }
        if (job is null || !Offers(job.JobType, job.DryRun, job.Status, job.BatchCount, job.SourceFileId)
            || !Enum.TryParse<FileFormat>(job.FileFormat, out var format))
            throw new ChangeRefusedException("job", $"Job {jobId} has no failed rows to retry: only an import that ran with errors or failed has them, and only while its file is stored.");

        if (corrected is not null)
            return await imports.SubmitAsync(job.CollectionId, corrected, fileName ?? "", initiatedBy, cancellationToken, declaredBytes, retryOf: jobId, columnMapping: job.ColumnMapping, actor: actor);

        // The failed-rows file is written into one end of a pipe while storage reads the other.
        var pipe = new Pipe();
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = Task.Run(async () =>
        {
            try
            {
                await using (var output = pipe.Writer.AsStream(leaveOpen: true))
                    await failedRows.WriteAsync(jobId, output, stopWriting.Token);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception failed)
            {
                await pipe.Writer.CompleteAsync(failed);
            }
        }, CancellationToken.None);
        try
        {
            await using var input = pipe.Reader.AsStream(leaveOpen: true);
            return await imports.SubmitAsync(
                job.CollectionId, input, FailedRowsFile.FileName(jobId, format), initiatedBy, cancellationToken, retryOf: jobId, columnMapping: job.ColumnMapping, actor: actor);
        }
        finally
        {
            await stopWriting.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await writing;
        }
    }
}
