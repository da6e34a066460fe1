namespace JobTracker.Jobs.Running;

/// <summary>
/// What one batch did, as its commit records it: when it started, its status and reason, its row
/// counts and (for an export) its file.
/// </summary>
public sealed record BatchOutcome(DateTime StartedAt, string Status, string? Reason, int SucceededRows, int FailedRows, long? FileId = null);
