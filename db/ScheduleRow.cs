namespace JobTracker.Db;

/// <summary>An export schedule as the engine and the pages read it from export_schedules.</summary>
public sealed record ScheduleRow
{
    public long Id { get; init; }
    public long CollectionId { get; init; }
    public string Name { get; init; } = "";
    public string Cron { get; init; } = "";
    public string TimeZone { get; init; } = "";
    public string NamePattern { get; init; } = "";
    public int RecordsPerFile { get; init; }
    public bool Enabled { get; init; }
    public DateTime? NextFireAt { get; init; }

    /// <summary>Whether a fire that comes while the schedule's previous export is unfinished is skipped (the default) rather than queued.</summary>
    public bool SkipWhileUnfinished { get; init; } = true;

    /// <summary>"Keep the last N exports": only the newest N finished exports keep their files; null = no limit.</summary>
    public int? KeepLastExports { get; init; }

    public const string Columns = """
        id AS Id, collection_id AS CollectionId, name AS Name, cron AS Cron, time_zone AS TimeZone,
        name_pattern AS NamePattern, records_per_file AS RecordsPerFile, enabled AS Enabled, next_fire_at AS NextFireAt,
        skip_while_unfinished AS SkipWhileUnfinished, keep_last_exports AS KeepLastExports
        """;
}
