namespace JobTracker.Jobs.Retention;

/// <summary>
/// How long what a job leaves behind is kept, counted in days from the job's finish (JobTracker:Retention).
/// 0 keeps it forever. The nightly cleanup (<see cref="RetentionCleanup"/>) deletes what expired.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "JobTracker:Retention";

    /// <summary>Uploaded (original) files of imports, dry runs and retries.</summary>
    public int UploadedFileDays { get; set; } = 30;

    /// <summary>Export files: each batch file, and so the Download all archive made of them.</summary>
    public int ExportFileDays { get; set; } = 30;

    /// <summary>Audit logs of imports (audit_entries); the failed-rows download is built from them.</summary>
    public int AuditLogDays { get; set; } = 90;

    /// <summary>Finished jobs themselves: the job row, its batches, and whatever of the above is left.</summary>
    public int FinishedJobDays { get; set; }

    /// <summary>
    /// The activity trail's entries, counted from each entry's own time (0 = forever). A year by default: long enough
    /// to answer who stopped or downloaded what, short enough that a busy console's trail does not grow for ever.
    /// </summary>
    public int ActivityDays { get; set; } = 365;

    /// <summary>When the cleanup runs: a Quartz cron expression (seconds first), in UTC. Default 03:00 UTC every night.</summary>
    public string CleanupCron { get; set; } = "0 0 3 * * ?";

    /// <summary>Rows (batches, audit entries, database chunks) deleted per transaction, so a large deletion never holds the database for long.</summary>
    public int RowsPerTransaction { get; set; } = 200;

    /// <summary>The days of <paramref name="kind"/> (0 = forever).</summary>
    public int DaysOf(RetainedKind kind) => Math.Max(0, kind switch
    {
        RetainedKind.UploadedFile => UploadedFileDays,
        RetainedKind.ExportFiles => ExportFileDays,
        RetainedKind.AuditLog => AuditLogDays,
        _ => FinishedJobDays,
    });

    /// <summary>Activity entries older than this go at the cleanup at <paramref name="now"/>; null when they are kept forever.</summary>
    public DateTime? ActivityKeptFrom(DateTime now) => ActivityDays > 0 ? now.AddDays(-ActivityDays) : null;

    /// <summary>When <paramref name="kind"/> of a job that finished at <paramref name="finishedAt"/> expires; null when kept forever.</summary>
    public DateTime? KeptUntil(RetainedKind kind, DateTime finishedAt) =>
        DaysOf(kind) is > 0 and var days ? finishedAt.AddDays(days) : null;
}
