namespace JobTracker.Jobs.Schedules;

/// <summary>
/// An export schedule as the user typed it; <see cref="ScheduleEditor"/> trims and checks it.
/// <paramref name="SkipWhileUnfinished"/>: a fire that comes while the schedule's previous export is unfinished is skipped and noted.
/// </summary>
public sealed record ScheduleSettings(string? Name, string? Cron, string? TimeZone, string? NamePattern, int RecordsPerFile, bool Enabled,
    bool SkipWhileUnfinished = true);
