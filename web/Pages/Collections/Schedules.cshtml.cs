using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The export schedules of one collection, for everyone signed in: each with its next three fire
/// times in its own time zone (Quartz's cron engine computes them) and its last run, linking to the
/// job, and its last skipped fire with the reason (a fire that came while its previous export was
/// unfinished). Admins change them through <see cref="SchedulesEditModel"/>. The same URL returns the whole
/// page or, for htmx, only _ScheduleTable, which polls while a last run is unfinished.
/// </summary>
public sealed class SchedulesModel(Database database) : PageModel
{
    public const int FiresShown = 3;

    /// <summary>The TempData key of the message an admin's change leaves for this page.</summary>
    public const string MessageKey = "ScheduleMessage";

    public sealed record ScheduleLine
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string Cron { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public string NamePattern { get; init; } = "";
        public int RecordsPerFile { get; init; }
        public bool Enabled { get; init; }
        public long? LastJobId { get; init; }
        public string? LastJobStatus { get; init; }
        public DateTime? LastJobCreatedAt { get; init; }
        public DateTime? LastJobFinishedAt { get; init; }
        public bool SkipWhileUnfinished { get; init; }
        public int? KeepLastExports { get; init; }
        public DateTime? LastSkippedAt { get; init; }
        public string? LastSkipReason { get; init; }
    }

    /// <summary>A schedule as shown: its next fires on its own clock and the export name of the first, or why it cannot fire.</summary>
    public sealed record ScheduleView(ScheduleLine Line, IReadOnlyList<DateTimeOffset> NextFires, string? NextExportName, DateTimeOffset? LastRunAt, string? Problem)
    {
        public bool LastRunUnfinished => Line.LastJobId is not null && Line.LastJobFinishedAt is null;
    }

    public CollectionHeading Collection { get; private set; } = new();

    public IReadOnlyList<ScheduleView> Schedules { get; private set; } = [];

    /// <summary>True while a schedule's last run is unfinished: the table keeps polling.</summary>
    public bool Polling { get; private set; }

    [TempData(Key = MessageKey)]
    public string? Message { get; set; }

    public string PageUrl => Url.Page("/Collections/Schedules", new { id = Collection.Id })!;

    public async Task<IActionResult> OnGetAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return NotFound();
        Collection = collection;

        Schedules = await ReadAsync(connection, id, DateTime.UtcNow);
        Polling = Schedules.Any(s => s.LastRunUnfinished);

        return this.PageOrPartial("_ScheduleTable");
    }

    /// <summary>
    /// The collection's schedules by name, each with its next fires as of <paramref name="now"/> and its last
    /// run (this page and the REST API).
    /// </summary>
    public static async Task<IReadOnlyList<ScheduleView>> ReadAsync(System.Data.Common.DbConnection connection, long id, DateTime now)
    {
        // The last run is the schedule's newest job (a fire or a "Run now"), found through ux_jobs_schedule_fire.
        var lines = await connection.QueryAsync<ScheduleLine>("""
            SELECT s.id AS Id, s.name AS Name, s.cron AS Cron, s.time_zone AS TimeZone,
                   s.name_pattern AS NamePattern, s.records_per_file AS RecordsPerFile, s.enabled AS Enabled,
                   j.id AS LastJobId, j.status AS LastJobStatus, j.created_at AS LastJobCreatedAt,
                   j.finished_at AS LastJobFinishedAt, s.skip_while_unfinished AS SkipWhileUnfinished, s.keep_last_exports AS KeepLastExports,
                   s.last_skipped_at AS LastSkippedAt, s.last_skip_reason AS LastSkipReason
              FROM export_schedules s
              LEFT JOIN jobs j ON j.id = (SELECT MAX(id) FROM jobs WHERE schedule_id = s.id)
             WHERE s.collection_id = @id
             ORDER BY s.name, s.id
            """, new { id });
        return lines.Select(line => View(line, now)).ToList();
    }

    private static ScheduleView View(ScheduleLine line, DateTime now)
    {
        ScheduleDefinition definition;
        try
        {
            definition = ScheduleDefinition.Read(line.Cron, line.TimeZone, line.NamePattern, line.RecordsPerFile);
        }
        catch (Exception unreadable) when (unreadable is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
        {
            return new ScheduleView(line, [], null, null, $"This schedule cannot fire: {unreadable.Message} Edit it to fix it.");
        }
        var fires = definition.NextFires(now, FiresShown);
        var nextName = fires.Count > 0 && definition.RenderName(fires[0], out var name) is null ? name : null;
        var lastRunAt = line.LastJobCreatedAt is { } created ? definition.InZone(created) : (DateTimeOffset?)null;
        return new ScheduleView(line, fires.Select(definition.InZone).ToList(), nextName, lastRunAt, null);
    }
}
