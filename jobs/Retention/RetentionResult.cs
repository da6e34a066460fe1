namespace JobTracker.Jobs.Retention;

/// <summary>
/// What one cleanup did: jobs whose files expired, stored files deleted, jobs whose audit log expired, and
/// finished jobs deleted, and activity entries deleted (JobTracker:Retention:ActivityDays).
/// </summary>
public sealed record RetentionResult(int FilesExpired, int FilesDeleted, int AuditExpired, int JobsDeleted, int ActivityDeleted);
