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
/// not been committed before; otherwise everything rolls back. In a dry run the records are written
/// the same way, inside a savepoint that is rolled back at once: the provider's record writer decides
/// create or update exactly as for the import, and the collection is left as it was; a key an earlier
/// batch of the dry run wrote (and rolled back) counts as an update, as it would in the import.
/// </summary>
internal sealed class BatchApplier : IAsyncDisposable
{
    private const int CancellationCheckEvery = 256;

    private const string DryRunSavepoint = "dry_run";

    private readonly DbConnection connection;
    private readonly CollectionRow collection;
    private readonly JobLease lease;
    private readonly RecordWriter records;

    /// <summary>In a dry run, the keys its earlier batches wrote (and rolled back); null in an import.</summary>
    private readonly HashSet<string>? dryRunKeys;

    /// <summary>Every record the batches write names <paramref name="jobId"/>, the import (records.last_job_id).</summary>
    public BatchApplier(DbConnection connection, DatabaseProvider provider, CollectionRow collection, long jobId, JobLease lease, HashSet<string>? dryRunKeys = null)
    {
        this.connection = connection;
        this.collection = collection;
        this.lease = lease;
        this.dryRunKeys = dryRunKeys;
        records = provider.CreateRecordWriter(connection, collection.Id, jobId);
    }

    /// <summary>
    /// Validates a batch's rows, builds their records and compresses their audit entries, without touching the database. This runs
    /// ahead of <see cref="ApplyAsync"/> (on another thread), so that the database's write lock is held
    /// only for the writes and Stop Job, from any process, gets its turn quickly.
    /// </summary>
    public static PreparedBatch Prepare(BatchRow batch, IEnumerable<ImportRow> rows, RecordBuilder builder, bool dryRun, CancellationToken cancellationToken)
    {
        var writes = new List<RecordWrite>(batch.RowCount);
        var arena = new RecordArena();
        var audit = new BatchAudit();
        int count = 0, failed = 0;
        long bytes = 0;
        foreach (var row in rows)
        {
            if (count++ % CancellationCheckEvery == 0) cancellationToken.ThrowIfCancellationRequested();
            if (builder.Build(row, out var key, out ReadOnlyMemory<byte> json, arena) is { } failure)
            {
                failed++;
                audit.Add(row.RowNumber, key, AuditLog.Failed, failure.Field, failure.Message);
                continue;
            }
            // A collection without a key field: each row is a new record under a generated key.
            key ??= Guid.CreateVersion7().ToString("N");
            writes.Add(new RecordWrite(key, json));
            audit.AddWritten(row.RowNumber, key, dryRun);
            bytes += json.Length;
        }
        return new PreparedBatch(batch, writes, count, failed, audit.ToCompressed(), bytes, arena);
    }

    /// <summary>Applies a prepared batch. False when it could not commit because the job was stopped or taken over.</summary>
    public async Task<bool> ApplyAsync(PreparedBatch preparedBatch, CancellationToken cancellationToken)
    {
        var batch = preparedBatch.Batch;
        var writes = preparedBatch.Writes;
        var started = batch.StartedAt ?? DateTime.UtcNow;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var isNew = new bool[writes.Count];
        if (dryRunKeys is null)
        {
            await records.WriteAsync(writes, isNew, transaction, cancellationToken);
        }
        else
        {
            await transaction.SaveAsync(DryRunSavepoint, cancellationToken);
            await records.WriteAsync(writes, isNew, transaction, cancellationToken);
            await transaction.RollbackAsync(DryRunSavepoint, cancellationToken);
            for (var i = 0; i < writes.Count; i++)
                if (!dryRunKeys.Add(writes[i].Key)) isNew[i] = false;
        }
        preparedBatch.Arena.Dispose(); // the database has its own copy of every record now
        var created = isNew.Count(wasNew => wasNew);
        var (succeeded, failed) = (writes.Count, preparedBatch.FailedRows);
        cancellationToken.ThrowIfCancellationRequested();

        var now = DateTime.UtcNow;
        var outcome = new BatchOutcome(
            started,
            JobStatusRollup.ForFinishedBatch(succeeded, failed),
            failed == 0 ? null : $"{failed:N0} of {preparedBatch.RowCount:N0} rows failed.",
            succeeded,
            failed);
        if (!await LeasedBatches.FinishAsync(connection, transaction, batch, outcome, lease, now)) return false;
        if (dryRunKeys is null)
        {
            await connection.ExecuteAsync(
                "UPDATE collections SET record_count = record_count + @created WHERE id = @Id",
                new { created, collection.Id }, transaction);
        }
        await connection.ExecuteAsync(
            "INSERT INTO audit_entries (job_id, batch_no, entries) VALUES (@JobId, @BatchNo, @entries)",
            new { batch.JobId, batch.BatchNo, entries = BatchAudit.Stored(preparedBatch.Audit, isNew) }, transaction);
        await LeasedBatches.CommitAsync(connection, transaction, batch, lease, now);
        return true;
    }

    public ValueTask DisposeAsync()
    {
        records.Dispose();
        return ValueTask.CompletedTask;
    }
}
