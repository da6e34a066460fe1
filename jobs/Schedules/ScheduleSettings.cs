namespace JobTracker.Jobs.Schedules;

/// <summary>An export schedule as the user typed it; <see cref="ScheduleEditor"/> trims and checks it.</summary>
public sealed record ScheduleSettings(string? Name, string? Cron, string? TimeZone, string? NamePattern, int RecordsPerFile, bool Enabled);
