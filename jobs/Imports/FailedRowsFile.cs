using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The failed rows of an import, exactly as they were in the original file, each with the columns (CSV)
/// or fields (JSON, JSON Lines) <see cref="ErrorField"/> and <see cref="ErrorMessage"/> added: ready to
/// fix and upload again (the import ignores those two). Built from the batches' byte ranges in the stored
/// file and their audit entries, one batch at a time: never the whole file in memory. Rows of a batch that
/// never committed are included, with the reason they were not applied.
/// </summary>
public sealed class FailedRowsFile(Database database, FileStore files, AuditLog auditLog)
{
    /// <summary>The column/field naming the field that failed (empty/null when the row as a whole failed).</summary>
    public const string ErrorField = "_error_field";

    /// <summary>The column/field giving why the row failed.</summary>
    public const string ErrorMessage = "_error_message";

    /// <summary>Whether a job has a failed-rows file: a finished import, RAN WITH ERRORS or FAILED after its file was split.</summary>
    public static bool Offers(string jobType, string status, int? batchCount, long? sourceFileId) =>
        jobType == JobTypes.Import && status is Status.RanWithErrors or Status.Failed && batchCount > 0 && sourceFileId is not null;

    /// <summary>The download's name: job-12-failed-rows.csv (.json, .jsonl).</summary>
    public static string FileName(long jobId, FileFormat format) => format switch
    {
        FileFormat.Csv => $"job-{jobId}-failed-rows.csv",
        FileFormat.Json => $"job-{jobId}-failed-rows.json",
        _ => $"job-{jobId}-failed-rows.jsonl",
    };

    private sealed record Job
    {
        public string JobType { get; init; } = "";
        public string Status { get; init; } = "";
        public int? BatchCount { get; init; }
        public long? SourceFileId { get; init; }
        public string? FileFormat { get; init; }
    }

    /// <summary>The format of the job's failed-rows file, or null when the job has none (see <see cref="Offers"/>).</summary>
    public async Task<FileFormat?> FormatOfAsync(long jobId, CancellationToken cancellationToken = default)
    {
        var job = await ReadJobAsync(jobId, cancellationToken);
        return job is not null && Offers(job.JobType, job.Status, job.BatchCount, job.SourceFileId)
               && Enum.TryParse<FileFormat>(job.FileFormat, out var format) ? format : null;
    }

    private async Task<Job?> ReadJobAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Job>(new CommandDefinition("""
            SELECT job_type AS JobType, status AS Status, batch_count AS BatchCount, source_file_id AS SourceFileId, file_format AS FileFormat
              FROM jobs WHERE id = @jobId
            """, new { jobId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Writes the failed-rows file of a job that has one (<see cref="FormatOfAsync"/>). The batches and
    /// their audit entries are read a few at a time in short queries (<see cref="AuditLog"/>); only the
    /// batches with rows that did not succeed are read from the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The stored file is gone.</exception>
    public async Task WriteAsync(long jobId, Stream output, CancellationToken cancellationToken = default)
    {
        var job = await ReadJobAsync(jobId, cancellationToken);
        if (job?.SourceFileId is not { } fileId || !Enum.TryParse<FileFormat>(job.FileFormat, out var format))
            throw new FileNotFoundException("The job has no stored file.");
        var opened = await files.OpenReadAsync(fileId, cancellationToken) ?? throw new FileNotFoundException("The uploaded file is missing from storage.");
        await using var source = opened.Content;
        await using var buffered = new BufferedStream(output, 1 << 16);

        FailedRowsWriter writer = format == FileFormat.Csv
            ? new FailedRowsCsv(source, buffered, await FirstByteOffsetAsync(jobId, cancellationToken))
            : new FailedRowsJson(source, buffered, format == FileFormat.Json);
        await writer.BeginAsync(cancellationToken);
        await foreach (var batch in auditLog.ReadBatchesAsync(jobId, null, failedOnly: true, cancellationToken))
        {
            var failures = new Dictionary<long, (string? Field, string? Message)>();
            foreach (var (row, _, outcome, field, message) in batch.Rows())
                if (outcome is AuditLog.Failed or AuditLog.NotApplied) failures[row] = (field, message);
            if (failures.Count == 0) continue;
            var slice = new BatchSlice(batch.BatchNo, batch.FirstRow, batch.RowCount, batch.ByteOffset, batch.ByteLength, batch.FirstLine);
            await writer.WriteBatchAsync(slice, failures, cancellationToken);
        }
        await writer.EndAsync(cancellationToken);
        await buffered.FlushAsync(cancellationToken);
    }

    /// <summary>Where the first batch's rows start: the CSV header (and any blank lines after it) is before.</summary>
    private async Task<long> FirstByteOffsetAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleAsync<long>(new CommandDefinition(
            "SELECT byte_offset FROM batches WHERE job_id = @jobId AND batch_no = 0", new { jobId }, cancellationToken: cancellationToken));
    }
}
