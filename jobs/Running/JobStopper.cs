using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Webhooks;

namespace JobTracker.Jobs.Running;

/// <summary>
/// Stop Job: queued batches become CANCELED, the running batch is rolled back and becomes
/// CANCELED, and the job becomes CANCELED. Batches committed before the stop stay committed (for an
/// export, their batch files stay; files of batches that did not commit are removed).
/// </summary>
public sealed class JobStopper(Database database, RunningJobs runningJobs, ExportWork exports, WebhookOutbox webhooks, ActivityTrail activity)
{
    /// <summary>Stops a job that is not finished. Returns false when it had already finished (or does not exist).</summary>
    public async Task<bool> StopAsync(long jobId, string stoppedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        // A worker in this process rolls its batch back now instead of at its next lease check,
        // which also frees the database's write lock for the statements below.
        runningJobs.Cancel(jobId);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DateTime.UtcNow;
        var stopped = await connection.ExecuteAsync("""
            UPDATE jobs
               SET status = @Canceled, status_reason = @Reason, finished_at = @Now,
                   lease_owner = NULL, lease_until = NULL
             WHERE id = @JobId AND finished_at IS NULL
            """,
            new { JobId = jobId, Canceled = Status.Canceled, Reason = $"Stopped by {stoppedBy}.", Now = now }, transaction);
        if (stopped == 1)
        {
            await connection.ExecuteAsync("""
                UPDATE batches
                   SET status = @Canceled, finished_at = @Now,
                       status_reason = CASE WHEN status = @InProgress THEN 'Rolled back: the job was stopped while this batch ran.'
                                            ELSE 'Not run: the job was stopped.' END
                 WHERE job_id = @JobId AND status IN (@Queued, @InProgress)
                """,
                new { JobId = jobId, Canceled = Status.Canceled, Queued = Status.Queued, InProgress = Status.InProgress, Now = now }, transaction);
            await webhooks.RecordJobFinishedAsync(connection, transaction, jobId, now);
            var label = await connection.QuerySingleAsync<string>("SELECT file_name FROM jobs WHERE id = @jobId", new { jobId }, transaction);
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(stoppedBy), ActivityActions.StopJob,
                ActivityObjects.Job, jobId, label, jobId, Status.Canceled);
        }
        await transaction.CommitAsync(cancellationToken);
        if (stopped == 1) await exports.RemoveUncommittedFilesAsync(jobId);
        return stopped == 1;
    }
}
