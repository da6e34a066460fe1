namespace JobTracker.Jobs.Schedules;

/// <summary>
/// A schedule after a save or a resume: its id and name, what it says, and the UTC time of its next
/// fire (null while paused, or when its cron expression names no later time).
/// </summary>
public sealed record ScheduleState(long Id, string Name, ScheduleDefinition Definition, DateTime? NextFireAt);
