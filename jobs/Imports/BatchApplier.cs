using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Running;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// Applies one batch at a time, each in one transaction: validate every row, upsert the valid
/// ones on the key field in file order, store the audit lines, and record the batch's and the
/// job's counters. It commits only if this worker still holds the job's lease and the batch has
/// not been committed before; otherwise everything rolls back.
/// </summary>
internal sealed class BatchApplier : IAsyncDisposable
{
    private const int CancellationCheckEvery = 256;

    private readonly DbConnection connection;
    private readonly CollectionRow collection;
    private readonly string owner;
    private readonly TimeSpan lease;
    private readonly RecordWriter records;

    public BatchApplier(DbConnection connection, SqlDialect dialect, CollectionRow collection, string owner, TimeSpan lease)
    {
        this.connection = connection;
        this.collection = collection;
        this.owner = owner;
        this.lease = lease;
        records = dialect.CreateRecordWriter(connection, collection.Id);
    }

    /// <summary>
    /// Validates a batch's rows and builds their records, without touching the database. This runs
    /// ahead of <see cref="ApplyAsync"/> (on another thread), so that SQLite's write lock is held
    /// only for the writes and Stop Job, from any process, gets its turn quickly.
    /// </summary>
    public static PreparedBatch Prepare(BatchRow batch, IEnumerable<ImportRow> rows, RecordBuilder builder, CancellationToken cancellationToken)
    {
        var prepared = new List<PreparedRow>(batch.RowCount);
        foreach (var row in rows)
        {
            if (prepared.Count % CancellationCheckEvery == 0) cancellationToken.ThrowIfCancellationRequested();
            var failure = builder.Build(row, out var key, out byte[] json);
            prepared.Add(new PreparedRow(row.RowNumber, key, failure is null ? json : null, failure));
        }
        return new PreparedBatch(batch, prepared);
    }

    /// <summary>Applies a prepared batch. False when it could not commit because the job was stopped or taken over.</summary>
    public async Task<bool> ApplyAsync(PreparedBatch preparedBatch, CancellationToken cancellationToken)
    {
        var (batch, prepared) = preparedBatch;
        var started = batch.StartedAt ?? DateTime.UtcNow;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var audit = new BatchAudit();
        int succeeded = 0, failed = 0, created = 0;
        for (var i = 0; i < prepared.Count; i++)
        {
            if (i % CancellationCheckEvery == 0) cancellationToken.ThrowIfCancellationRequested();
            var row = prepared[i];
            if (row.Failure is { } failure)
            {
                failed++;
                audit.Add(row.RowNumber, row.Key, AuditLog.Failed, failure.Field, failure.Message);
                continue;
            }
            var key = row.Key ?? Guid.CreateVersion7().ToString("N");
            var isNew = records.InsertIfAbsent(key, row.Json!);
            if (isNew) created++;
            else records.Update(key, row.Json!);
            succeeded++;
            audit.Add(row.RowNumber, key, isNew ? AuditLog.Created : AuditLog.Updated, null, null);
        }
        cancellationToken.ThrowIfCancellationRequested();

        var now = DateTime.UtcNow;
        var status = JobStatusRollup.ForFinishedBatch(succeeded, failed);
        var batchWritten = await connection.ExecuteAsync("""
            UPDATE batches
               SET status = @status, status_reason = @reason, started_at = @started, finished_at = @now,
                   succeeded_rows = @succeeded, failed_rows = @failed
             WHERE job_id = @JobId AND batch_no = @BatchNo AND status IN (@Queued, @InProgress)
            """,
            new
            {
                status,
                reason = failed == 0 ? null : $"{failed:N0} of {prepared.Count:N0} rows failed.",
                started,
                now,
                succeeded,
                failed,
                batch.JobId,
                batch.BatchNo,
                Queued = Status.Queued,
                InProgress = Status.InProgress,
            }, transaction);
        var jobWritten = await connection.ExecuteAsync("""
            UPDATE jobs
               SET succeeded_rows = succeeded_rows + @succeeded, failed_rows = failed_rows + @failed, lease_until = @until
             WHERE id = @JobId AND lease_owner = @owner AND finished_at IS NULL
            """,
            new { succeeded, failed, until = now + lease, batch.JobId, owner }, transaction);
        if (batchWritten != 1 || jobWritten != 1)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }
        await connection.ExecuteAsync(
            "UPDATE collections SET record_count = record_count + @created WHERE id = @Id",
            new { created, collection.Id }, transaction);
        await connection.ExecuteAsync(
            "INSERT INTO audit_entries (job_id, batch_no, entries) VALUES (@JobId, @BatchNo, @entries)",
            new { batch.JobId, batch.BatchNo, entries = audit.ToCompressed() }, transaction);
        // The next batch shows IN PROGRESS from the moment this one commits.
        await connection.ExecuteAsync(
            "UPDATE batches SET status = @InProgress, started_at = @now WHERE job_id = @JobId AND batch_no = @Next AND status = @Queued",
            new { InProgress = Status.InProgress, now, batch.JobId, Next = batch.BatchNo + 1, Queued = Status.Queued }, transaction);
        await transaction.CommitAsync(CancellationToken.None);
        return true;
    }

    public ValueTask DisposeAsync()
    {
        records.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A batch whose rows are validated and built, ready to be written.</summary>
internal sealed record PreparedBatch(BatchRow Batch, List<PreparedRow> Rows);

internal readonly record struct PreparedRow(long RowNumber, string? Key, byte[]? Json, RowFailure? Failure);
