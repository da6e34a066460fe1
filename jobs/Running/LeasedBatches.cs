using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using JobTracker.Db;

namespace JobTracker.Jobs.Running;

/// <summary>
/// The batch commit that imports and exports share. A batch is one transaction: the work's own writes
/// (records and audit lines, or the batch file's row), then <see cref="FinishAsync"/> - the batch's
/// status and counters, the job's counters and lease - then <see cref="CommitAsync"/>. It commits only
/// while this worker holds the job's lease and the batch is unfinished, so a batch commits exactly
/// once, even when a crashed process's job is taken over by another.
/// </summary>
internal static class LeasedBatches
{
    /// <summary>How many of a job's batches left <see cref="RemainingAsync"/> reads at a time.</summary>
    private const int BatchesPerPage = 100;

    /// <summary>
    /// The job's batches not yet run, in order, read a page at a time on <paramref name="connection"/> as they are
    /// consumed. Holding all of them for the whole run (10,000 objects for a 10M-row import) made the GC's budgets,
    /// and so the process's memory, grow with the job: measured with the benchmark's tenmillion import child, as many
    /// small objects kept alive through a 1M import raised its peak from 160 MB to 186-187 MB, where 10M rows peaked.
    /// </summary>
    public static async IAsyncEnumerable<BatchRow> RemainingAsync(
        DbConnection connection, DatabaseProvider provider, long jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var afterBatchNo = -1;
        while (true)
        {
            var page = (await connection.QueryAsync<BatchRow>(new CommandDefinition(
                $"SELECT {BatchRow.Columns} FROM batches WHERE job_id = @jobId AND batch_no > @afterBatchNo AND status IN (@Queued, @InProgress) ORDER BY batch_no {provider.Paging}",
                new { jobId, afterBatchNo, Queued = Status.Queued, InProgress = Status.InProgress, Skip = 0, Take = BatchesPerPage },
                cancellationToken: cancellationToken))).AsList();
            foreach (var batch in page) yield return batch;
            if (page.Count < BatchesPerPage) yield break;
            afterBatchNo = page[^1].BatchNo;
        }
    }

    /// <summary>
    /// Records the batch's outcome and adds its rows to the job's counters, renewing the lease. False
    /// when the job was stopped or taken over, or the batch was committed before: the transaction is
    /// then rolled back, and nothing of the batch may commit.
    /// </summary>
    public static async Task<bool> FinishAsync(
        DbConnection connection, DbTransaction transaction, BatchRow batch, BatchOutcome outcome, JobLease lease, DateTime now)
    {
        // The job's row first, then the batch's: every writer (Stop Job, fail, finish) locks in this order.
        var jobWritten = await connection.ExecuteAsync("""
            UPDATE jobs
               SET succeeded_rows = succeeded_rows + @SucceededRows, failed_rows = failed_rows + @FailedRows, lease_until = @until
             WHERE id = @JobId AND lease_owner = @Owner AND finished_at IS NULL
            """,
            new { outcome.SucceededRows, outcome.FailedRows, until = lease.Until(now), batch.JobId, lease.Owner }, transaction);
        var batchWritten = await connection.ExecuteAsync("""
            UPDATE batches
               SET status = @Status, status_reason = @Reason, started_at = @StartedAt, finished_at = @now,
                   succeeded_rows = @SucceededRows, failed_rows = @FailedRows, file_id = @FileId
             WHERE job_id = @JobId AND batch_no = @BatchNo AND status IN (@Queued, @InProgress)
            """,
            new
            {
                outcome.Status,
                outcome.Reason,
                outcome.StartedAt,
                now,
                outcome.SucceededRows,
                outcome.FailedRows,
                outcome.FileId,
                batch.JobId,
                batch.BatchNo,
                Queued = Status.Queued,
                InProgress = Status.InProgress,
            }, transaction);
        if (batchWritten == 1 && jobWritten == 1) return true;
        await transaction.RollbackAsync(CancellationToken.None);
        return false;
    }

    /// <summary>Commits the batch, counting it under the lease; the next batch shows IN PROGRESS from the same moment.</summary>
    public static async Task CommitAsync(DbConnection connection, DbTransaction transaction, BatchRow batch, JobLease lease, DateTime now)
    {
        await connection.ExecuteAsync(
            "UPDATE batches SET status = @InProgress, started_at = @now WHERE job_id = @JobId AND batch_no = @Next AND status = @Queued",
            new { InProgress = Status.InProgress, now, batch.JobId, Next = batch.BatchNo + 1, Queued = Status.Queued }, transaction);
        await transaction.CommitAsync(CancellationToken.None);
        lease.Committed();
    }
}
