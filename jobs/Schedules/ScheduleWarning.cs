namespace JobTracker.Jobs.Schedules;

/// <summary>
/// One warning of the schedule watch: which schedule (and where it lives), why, in words for a person,
/// the job it is about (if any) and the UTC time it is about (the run's end, the overdue fire, the skipped fire).
/// </summary>
public sealed record ScheduleWarning(
    ScheduleWarningKind Kind,
    long ScheduleId,
    string ScheduleName,
    long CollectionId,
    string CollectionName,
    string WorkspaceName,
    string Message,
    long? JobId,
    DateTime At);
