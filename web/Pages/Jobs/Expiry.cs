using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Retention;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// When something a job left behind expired (JobTracker:Retention): its files (an import's uploaded file, an export's
/// batch files and archive) or its audit log (and with either, its failed-rows file). The download pages and the REST
/// API answer 410 Gone with <see cref="Text"/>; Job Details shows it where the Download link was.
/// </summary>
public sealed record Expiry(DateTime ExpiredAt, DateTime FinishedAt, int Days)
{
    /// <summary>"Expired on 2026-03-29 03:00:00 CEST (kept 30 days)", in the zone of <paramref name="time"/>.</summary>
    public string Text(TimeDisplay time)
    {
        ArgumentNullException.ThrowIfNull(time);
        // Expired before its days were up (or with no days): a schedule's "Keep the last N exports" took it.
        var kept = Days > 0 && ExpiredAt >= FinishedAt.AddDays(Days).AddMinutes(-1)
            ? $"kept {Days} {(Days == 1 ? "day" : "days")}"
            : "its schedule keeps only its newest exports";
        return $"Expired on {time.Text(ExpiredAt)} ({kept})";
    }

    private sealed record Row
    {
        public string JobType { get; init; } = "";
        public DateTime? FinishedAt { get; init; }
        public DateTime? FilesExpiredAt { get; init; }
        public DateTime? AuditExpiredAt { get; init; }
    }

    /// <summary>The expiry of the job's files (<paramref name="audit"/> false) or audit log (true); null when not expired.</summary>
    public static Expiry? Of(string jobType, DateTime? finishedAt, DateTime? filesExpiredAt, DateTime? auditExpiredAt, bool audit, RetentionOptions retention)
    {
        ArgumentNullException.ThrowIfNull(retention);
        if (finishedAt is not { } finished) return null;
        if (audit)
            return jobType == JobTypes.Import && auditExpiredAt is { } auditAt ? new Expiry(auditAt, finished, retention.DaysOf(RetainedKind.AuditLog)) : null;
        return filesExpiredAt is { } filesAt
            ? new Expiry(filesAt, finished, retention.DaysOf(jobType == JobTypes.Export ? RetainedKind.ExportFiles : RetainedKind.UploadedFile))
            : null;
    }

    /// <summary>
    /// The words a download of job <paramref name="jobId"/> (an import or an export, <paramref name="jobType"/>) answers
    /// with when what it needs expired: its files, its audit log, or for the failed rows (<paramref name="audit"/> null)
    /// whichever of the two expired first. Null when nothing it needs expired (or there is no such job).
    /// </summary>
    public static async Task<string?> TextAsync(HttpContext context, DbConnection connection, long jobId, string jobType, bool? audit)
    {
        ArgumentNullException.ThrowIfNull(context);
        var row = await connection.QuerySingleOrDefaultAsync<Row>("""
            SELECT job_type AS JobType, finished_at AS FinishedAt, files_expired_at AS FilesExpiredAt, audit_expired_at AS AuditExpiredAt
              FROM jobs WHERE id = @jobId
            """, new { jobId });
        if (row is null || row.JobType != jobType) return null;
        var retention = context.RequestServices.GetRequiredService<IOptions<RetentionOptions>>().Value;
        var files = audit is true ? null : Of(row.JobType, row.FinishedAt, row.FilesExpiredAt, row.AuditExpiredAt, audit: false, retention);
        var log = audit is false ? null : Of(row.JobType, row.FinishedAt, row.FilesExpiredAt, row.AuditExpiredAt, audit: true, retention);
        var first = files is null ? log : log is null || files.ExpiredAt <= log.ExpiredAt ? files : log;
        return first?.Text(context.RequestServices.GetRequiredService<TimeDisplay>());
    }

    /// <summary><see cref="TextAsync(HttpContext, DbConnection, long, string, bool?)"/> on a connection of its own.</summary>
    public static async Task<string?> TextAsync(HttpContext context, Database database, long jobId, string jobType, bool? audit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(context.RequestAborted);
        return await TextAsync(context, connection, jobId, jobType, audit);
    }
}
