using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Running;

/// <summary>
/// Runs jobs: claims the next job from the jobs table, holds its lease (heartbeat), and runs it.
/// An import splits its file into batches and applies them one by one in file order; an export
/// (<see cref="ExportWork"/>) takes its snapshot and writes one batch file at a time. One batch = one
/// transaction: the batch's work (record writes and audit lines, or the batch file's row), its status
/// and counters and the job's counters commit together, and only while this process still holds the
/// job's lease - so a batch commits exactly once, even when a crashed process's job is taken over by
/// another. Stop, failure and the final status work the same for both. A transient database fault rolls the
/// running batch back and the job goes on from where it is, after a wait (<see cref="TransientRetry"/>).
/// </summary>
public sealed class JobRunner(
    Database database,
    ImportWork imports,
    ExportWork exports,
    RunningJobs runningJobs,
    TransientRetry retry,
    WebhookOutbox webhooks,
    Activity.ActivityTrail activity,
    IOptions<EngineOptions> options,
    ILogger<JobRunner> logger)
{
    private readonly EngineOptions settings = options.Value;

    /// <summary>This process's name in job leases: the node id, then a per-process suffix.</summary>
    public string Owner { get; } = $"{options.Value.NodeId}/{Guid.NewGuid():N}";

    /// <summary>
    /// Claims and runs jobs until there is none left to claim. A transient database fault while claiming
    /// (the database busy, the server restarting) is logged and ends the round: the next poll tries again.
    /// </summary>
    public async Task RunUntilIdleAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            long? jobId;
            try
            {
                jobId = await ClaimNextJobAsync(stopping);
            }
            catch (Exception ex) when (retry.FaultOf(ex) is { } fault)
            {
                logger.LogWarning(ex, "Could not look for queued jobs: {Fault}; trying again at the next poll", fault);
                return;
            }
            if (jobId is null) return;
            await RunJobAsync(jobId.Value, stopping);
        }
    }

    /// <summary>Takes the lease on the next job that may run, or returns null when there is none.</summary>
    public async Task<long?> ClaimNextJobAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DateTime.UtcNow;
        var jobId = await connection.QuerySingleOrDefaultAsync<long?>(
            database.Provider.ClaimNextJob,
            new { Owner, Now = now, Until = now + settings.Lease }, transaction);
        // The start is read from the clock after the claim, which saw the job it waited for finished:
        // so a job never starts before that one ended, even when another process finished it.
        if (jobId is not null)
        {
            await connection.ExecuteAsync(
                "UPDATE jobs SET started_at = @Started WHERE id = @jobId AND started_at IS NULL",
                new { Started = DateTime.UtcNow, jobId }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
        return jobId;
    }

    /// <summary>
    /// A process that restarts under the same node id takes its unfinished jobs back at once
    /// rather than waiting for its old leases to expire.
    /// </summary>
    public async Task ReleaseLeasesOfThisNodeAsync(CancellationToken cancellationToken = default)
    {
        var prefix = settings.NodeId + "/";
        await using var connection = await database.OpenAsync(cancellationToken);
        // Few jobs are unfinished at a time: pick this node's leases here, exactly (case and all), rather than with a LIKE pattern.
        var leased = await connection.QueryAsync<(long Id, string Owner)>(
            "SELECT id, lease_owner FROM jobs WHERE finished_at IS NULL AND lease_owner IS NOT NULL");
        var released = 0;
        foreach (var (id, owner) in leased.Where(job => job.Owner.StartsWith(prefix, StringComparison.Ordinal)))
        {
            released += await connection.ExecuteAsync(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner AND finished_at IS NULL",
                new { id, owner });
        }
        if (released > 0)
            logger.LogInformation("Resuming {Count} unfinished job(s) left by an earlier run of node {NodeId}", released, settings.NodeId);
    }

    /// <summary>
    /// Runs a job this process has claimed until it finishes, is stopped, or its lease is lost. A transient
    /// database fault rolls the running batch back and the job goes on from where it is (<see cref="TransientRetry"/>);
    /// any other failure fails the job with a reason for people, the details going to the log under its job id.
    /// </summary>
    public async Task RunJobAsync(long jobId, CancellationToken stopping)
    {
        var run = runningJobs.Start(jobId, stopping);
        var lease = new JobLease(Owner, settings.Lease);
        var renewEvery = settings.Lease / 3;
        await using var heartbeat = new Timer(_ => _ = RenewLeaseAsync(jobId, run), null, renewEvery, renewEvery);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId });
        try
        {
            await retry.RunAsync(jobId, async token =>
            {
                await using var connection = await database.OpenAsync(token);
                var job = await connection.QuerySingleAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @jobId", new { jobId });
                if (job.FinishedAt is not null) return false;
                var collection = await connection.QuerySingleAsync<CollectionRow>(
                    "SELECT id AS Id, workspace_id AS WorkspaceId, name AS Name, key_field AS KeyField, schema_json AS SchemaJson FROM collections WHERE id = @CollectionId",
                    new { job.CollectionId });
                var done = job.JobType == JobTypes.Export
                    ? await exports.RunAsync(connection, job, collection, lease, token)
                    : await imports.RunAsync(connection, job, collection, lease, token);
                if (done) await FinishAsync(connection, jobId);
                return done;
            }, () => lease.BatchesCommitted, run.Token);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            if (stopping.IsCancellationRequested)
                await SafelyAsync(jobId, "hand the job back", () => HandBackAsync(jobId));
            else
                logger.LogInformation("Job {JobId} stopped; its running batch was rolled back", jobId);
        }
        catch (Exception failed)
        {
            await SafelyAsync(jobId, "record the job's failure", () => FailAsync(jobId, failed));
            await SafelyAsync(jobId, "remove the export's uncommitted files", () => exports.RemoveUncommittedFilesAsync(jobId));
        }
        finally
        {
            runningJobs.Finish(jobId, run);
        }
    }

    /// <summary>
    /// A step of the failure or shutdown path, carried through transient faults too. When even that fails it
    /// is logged: the job keeps its lease until the lease expires, and then resumes (here or on another node).
    /// </summary>
    private async Task SafelyAsync(long jobId, string what, Func<Task> step)
    {
        try
        {
            await retry.RunAsync(jobId, async _ =>
            {
                await step();
                return true;
            }, () => 0, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Job {JobId}: could not {What}; the job resumes once its lease has expired", jobId, what);
        }
    }

    /// <summary>Every batch has run: the job's status follows from its counters.</summary>
    private async Task FinishAsync(DbConnection connection, long jobId)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        var counts = await connection.QuerySingleAsync<(long Total, long Succeeded, long Failed)>(
            "SELECT COALESCE(total_rows, 0), succeeded_rows, failed_rows FROM jobs WHERE id = @jobId", new { jobId }, transaction);
        var status = JobStatusRollup.ForFinishedJob(counts.Total, counts.Succeeded, counts.Failed);
        var now = DateTime.UtcNow;
        var finished = await connection.ExecuteAsync("""
            UPDATE jobs SET status = @status, status_reason = @reason, finished_at = @now, lease_owner = NULL, lease_until = NULL
             WHERE id = @jobId AND lease_owner = @Owner AND finished_at IS NULL
            """,
            new { status, reason = JobStatusRollup.ReasonForFinishedJob(counts.Total, counts.Succeeded, counts.Failed), now, jobId, Owner },
            transaction);
        if (finished == 1)
        {
            await webhooks.RecordJobFinishedAsync(connection, transaction, jobId, now);
            await activity.RecordJobFinishedAsync(connection, transaction, jobId, status, now);
        }
        await transaction.CommitAsync();
        if (finished == 1)
            logger.LogInformation("Job {JobId} {Status}: {Succeeded} / {Total} rows", jobId, status, counts.Succeeded, counts.Total);
    }

    /// <summary>
    /// The job cannot do its work: FAILED with a reason for people (<see cref="JobFailureReasons"/>), and its
    /// unrun batches with it. The exception, server paths and all, goes to the log under the job id.
    /// </summary>
    private async Task FailAsync(long jobId, Exception failed)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var jobType = await connection.QuerySingleAsync<string>("SELECT job_type FROM jobs WHERE id = @jobId", new { jobId }, transaction);
        var stoppedAt = await connection.QueryFirstOrDefaultAsync<BatchRow>(
            $"SELECT {BatchRow.Columns} FROM batches WHERE job_id = @jobId AND status IN (@Queued, @InProgress) ORDER BY batch_no",
            new { jobId, Queued = Status.Queued, InProgress = Status.InProgress }, transaction);
        var reason = JobFailureReasons.For(failed, jobType, jobId, stoppedAt);
        var now = DateTime.UtcNow;
        var written = await connection.ExecuteAsync("""
            UPDATE jobs SET status = @Failed, status_reason = @reason, finished_at = @now, lease_owner = NULL, lease_until = NULL
             WHERE id = @jobId AND lease_owner = @Owner AND finished_at IS NULL
            """, new { Failed = Status.Failed, reason, now, jobId, Owner }, transaction);
        if (written == 1)
        {
            await connection.ExecuteAsync("""
                UPDATE batches SET status = @Failed, finished_at = @now, status_reason = 'Not run: the job failed.'
                 WHERE job_id = @jobId AND status IN (@Queued, @InProgress)
                """, new { Failed = Status.Failed, now, jobId, Queued = Status.Queued, InProgress = Status.InProgress }, transaction);
            await webhooks.RecordJobFinishedAsync(connection, transaction, jobId, now);
            await activity.RecordJobFinishedAsync(connection, transaction, jobId, Status.Failed, now);
        }
        await transaction.CommitAsync();
        if (written == 0) return;
        if (failed is UnreadableFileException or ExportFailedException { InnerException: null })
            logger.LogWarning("Job {JobId} failed: {Reason}", jobId, reason);
        else
            logger.LogError(failed, "Job {JobId} failed: {Reason}", jobId, reason);
    }

    /// <summary>The host is shutting down mid-job: give the job back so the next start resumes it at once.</summary>
    private async Task HandBackAsync(long jobId)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE id = @jobId AND lease_owner = @Owner",
            new { jobId, Owner });
        logger.LogInformation("Job {JobId} handed back on shutdown; it resumes at the next start", jobId);
    }

    /// <summary>Keeps the lease alive; cancels the run when the job was stopped or taken over.</summary>
    private async Task RenewLeaseAsync(long jobId, CancellationTokenSource run)
    {
        try
        {
            await using var connection = await database.OpenAsync();
            var renewed = await connection.ExecuteAsync(
                "UPDATE jobs SET lease_until = @Until WHERE id = @jobId AND lease_owner = @Owner AND finished_at IS NULL",
                new { Until = DateTime.UtcNow + settings.Lease, jobId, Owner });
            if (renewed == 0) run.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended while the renewal was under way.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not renew the lease of job {JobId}; will try again", jobId);
        }
    }
}
