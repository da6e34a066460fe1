namespace JobTracker.Jobs.Schedules;

/// <summary>
/// An export schedule as the user typed it; <see cref="ScheduleEditor"/> trims and checks it.
/// <paramref name="SkipWhileUnfinished"/>: a fire that comes while the schedule's previous export is unfinished is skipped and noted.
/// <paramref name="KeepLastExports"/>: only the files of the schedule's newest N finished exports are kept (null = no limit;
/// the retention cleanup deletes the older ones' files).
/// </summary>
public sealed record ScheduleSettings(string? Name, string? Cron, string? TimeZone, string? NamePattern, int RecordsPerFile, bool Enabled,
    bool SkipWhileUnfinished = true, int? KeepLastExports = null);
