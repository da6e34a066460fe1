using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Retention;

/// <summary>
/// The nightly cleanup: deletes what outlived JobTracker:Retention (uploaded files, export files, audit logs,
/// finished jobs, counted from each job's finish), the files of a schedule's exports beyond its "Keep the last N
/// exports", then sweeps storage (<see cref="StorageSweep"/>, the folder listing included).
/// <para>
/// First each expiry is noted on its job (jobs.files_expired_at, audit_expired_at) in one short transaction per
/// <see cref="RetentionOptions.RowsPerTransaction"/> jobs: from then on the pages and the API say "Expired on …".
/// Then the content goes, a few rows per transaction (<see cref="ExpiredContent"/>); a cleanup cut off part way
/// goes on from the notes the next time. Job rows, batches and their numbers stay until the job itself expires.
/// An unfinished job is never touched, nor the file or audit log of a job that an unfinished job still needs
/// (an import for real of a dry run shares its file; a retry reads the failed rows of the job it retries).
/// </para>
/// </summary>
public sealed class RetentionCleanup(
    Database database, ExpiredContent content, StorageSweep sweep, ActivityTrail activity, [FromKeyedServices(RetentionCleanup.ClockKey)] TimeProvider clock,
    IOptions<RetentionOptions> options, ILogger<RetentionCleanup> logger)
{
    /// <summary>No unfinished job shares the file of job j or retries it.</summary>
    private const string NotNeededWhere = """
        NOT EXISTS (SELECT 1 FROM jobs o WHERE o.finished_at IS NULL
                       AND (o.source_file_id = j.source_file_id OR o.retry_of_job_id = j.id))
        """;

    /// <summary>
    /// The key of the cleanup's own clock in DI (the system clock): tests move it forward without moving the clock that
    /// sign-in cookies and sessions are checked against.
    /// </summary>
    public const string ClockKey = "retention";

    private int runs;

    /// <summary>How many cleanups have ended in this process (tests wait for the Quartz-triggered one).</summary>
    public int Runs => Volatile.Read(ref runs);

    /// <summary>The cleanup as of now (the clock in DI).</summary>
    public Task<RetentionResult> RunAsync(CancellationToken cancellationToken = default) =>
        RunAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>The cleanup as of <paramref name="nowUtc"/>.</summary>
    public async Task<RetentionResult> RunAsync(DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        try
        {
            var settings = options.Value;
            var perTransaction = Math.Max(1, settings.RowsPerTransaction);
            var activityDeleted = await content.DeleteActivityBeforeAsync(settings.ActivityKeptFrom(nowUtc), perTransaction, cancellationToken);
            var jobsExpiring = await MarkJobsAsync(settings, nowUtc, perTransaction, cancellationToken);
            var filesExpired = await MarkFilesAsync(settings, nowUtc, perTransaction, cancellationToken);
            var auditExpired = await MarkAuditAsync(settings, nowUtc, perTransaction, cancellationToken);
            var filesDeleted = await content.DeleteExpiredFilesAsync(perTransaction, cancellationToken);
            var auditJobs = await content.DeleteExpiredAuditAsync(perTransaction, cancellationToken);
            var jobsDeleted = 0;
            foreach (var jobId in jobsExpiring)
                if (await content.DeleteJobAsync(jobId, perTransaction, cancellationToken)) jobsDeleted++;
            await sweep.RunAsync(nowUtc, cancellationToken);
            var result = new RetentionResult(filesExpired, filesDeleted, auditExpired, jobsDeleted, activityDeleted);
            logger.LogInformation(
                "Retention cleanup: files of {FilesExpired} jobs expired, {FilesDeleted} stored files deleted, audit logs of {AuditExpired} jobs expired, {JobsDeleted} finished jobs deleted, {ActivityDeleted} activity entries deleted",
                result.FilesExpired, result.FilesDeleted, result.AuditExpired, result.JobsDeleted, result.ActivityDeleted);
            return result;
        }
        finally
        {
            Interlocked.Increment(ref runs);
        }
    }

    /// <summary>
    /// Finished jobs past JobTracker:Retention:FinishedJobDays that no unfinished job needs: their files and audit
    /// log expire now (if not already), and their ids come back to be deleted once those are gone.
    /// </summary>
    private async Task<List<long>> MarkJobsAsync(RetentionOptions settings, DateTime now, int perTransaction, CancellationToken cancellationToken)
    {
        if (settings.KeptUntil(RetainedKind.Job, now) is null) return [];
        var cutoff = now.AddDays(-settings.DaysOf(RetainedKind.Job));
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = (await connection.QueryAsync<long>(new CommandDefinition($"""
            SELECT j.id FROM jobs j
             WHERE j.finished_at IS NOT NULL AND j.finished_at < @cutoff
               AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.finished_at IS NULL
                                  AND (o.source_file_id = j.source_file_id OR o.retry_of_job_id = j.id))
             ORDER BY j.id
            """, new { cutoff }, cancellationToken: cancellationToken))).AsList();
        var kept = $"the job is kept {settings.DaysOf(RetainedKind.Job)} days";
        await MarkAsync(connection, "files_expired_at", ids, now, kept, perTransaction, cancellationToken);
        await MarkAsync(connection, "audit_expired_at", ids, now, kept, perTransaction, cancellationToken);
        return ids;
    }

    /// <summary>Notes the expiry of uploaded files, export files and files beyond a schedule's "keep the last N"; returns how many jobs.</summary>
    private async Task<int> MarkFilesAsync(RetentionOptions settings, DateTime now, int perTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var expired = 0;
        foreach (var (kind, jobType) in new[] { (RetainedKind.UploadedFile, JobTypes.Import), (RetainedKind.ExportFiles, JobTypes.Export) })
        {
            if (settings.KeptUntil(kind, now) is null) continue;
            var cutoff = now.AddDays(-settings.DaysOf(kind));
            var ids = await connection.QueryAsync<long>(new CommandDefinition($"""
                SELECT j.id FROM jobs j
                 WHERE j.finished_at IS NOT NULL AND j.finished_at < @cutoff AND j.files_expired_at IS NULL AND j.job_type = @jobType
                   AND {NotNeededWhere}
                """, new { cutoff, jobType }, cancellationToken: cancellationToken));
            expired += await MarkAsync(connection, "files_expired_at", ids.AsList(), now, $"kept {settings.DaysOf(kind)} days", perTransaction, cancellationToken);
        }

        // "Keep the last N exports": a finished export with N newer finished exports of its schedule.
        var beyond = await connection.QueryAsync<long>(new CommandDefinition("""
            SELECT j.id FROM jobs j
              JOIN export_schedules s ON s.id = j.schedule_id
             WHERE s.keep_last_exports IS NOT NULL AND j.finished_at IS NOT NULL AND j.files_expired_at IS NULL
               AND (SELECT COUNT(*) FROM jobs n
                     WHERE n.schedule_id = j.schedule_id AND n.finished_at IS NOT NULL AND n.id > j.id) >= s.keep_last_exports
            """, cancellationToken: cancellationToken));
        expired += await MarkAsync(connection, "files_expired_at", beyond.AsList(), now, "its schedule keeps only its newest exports", perTransaction, cancellationToken);
        return expired;
    }

    /// <summary>Notes the expiry of imports' audit logs; returns how many jobs.</summary>
    private async Task<int> MarkAuditAsync(RetentionOptions settings, DateTime now, int perTransaction, CancellationToken cancellationToken)
    {
        if (settings.KeptUntil(RetainedKind.AuditLog, now) is null) return 0;
        var cutoff = now.AddDays(-settings.DaysOf(RetainedKind.AuditLog));
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await connection.QueryAsync<long>(new CommandDefinition($"""
            SELECT j.id FROM jobs j
             WHERE j.finished_at IS NOT NULL AND j.finished_at < @cutoff AND j.audit_expired_at IS NULL AND j.job_type = @Import
               AND {NotNeededWhere}
            """, new { cutoff, Import = JobTypes.Import }, cancellationToken: cancellationToken));
        return await MarkAsync(connection, "audit_expired_at", ids.AsList(), now, $"kept {settings.DaysOf(RetainedKind.AuditLog)} days", perTransaction, cancellationToken);
    }

    /// <summary>
    /// Sets <paramref name="column"/> (files_expired_at or audit_expired_at) on the jobs, a few per statement, checking
    /// again in the statement that each is finished and that no unfinished job has come to need it meanwhile; each
    /// job so marked gets its activity entry (actor <c>retention</c>, <paramref name="why"/> as the detail) in the same transaction.
    /// </summary>
    private async Task<int> MarkAsync(DbConnection connection, string column, List<long> ids, DateTime now, string why, int perTransaction, CancellationToken cancellationToken)
    {
        var marked = 0;
        foreach (var chunk in ids.Chunk(perTransaction))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var id in chunk)
            {
                var changed = await connection.ExecuteAsync(new CommandDefinition($"""
                    UPDATE jobs SET {column} = @now
                     WHERE id = @id AND {column} IS NULL AND finished_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.finished_at IS NULL
                                          AND (o.source_file_id = jobs.source_file_id OR o.retry_of_job_id = jobs.id))
                    """, new { now, id }, transaction, cancellationToken: cancellationToken));
                if (changed == 0) continue;
                marked++;
                await activity.RecordOnJobAsync(connection, transaction, ActivityActor.Retention,
                    column == "files_expired_at" ? ActivityActions.FilesExpired : ActivityActions.AuditLogExpired, id, why, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        return marked;
    }
}
