using System.Globalization;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages;

/// <summary>
/// The home page after sign-in: what runs and waits across every collection, what failed in the last
/// 24 hours, the next scheduled fires and the schedule watch's warnings. The same URL returns the whole
/// page or, for htmx, only _Overview, which polls every 2 s while a job is unfinished. Each list is
/// read through an index and capped, so the page stays cheap with millions of jobs: unfinished jobs
/// through ix_jobs_unfinished (partial, finished_at IS NULL), failures through ix_jobs_status_finished.
/// </summary>
public sealed class OverviewModel(Database database, ScheduleWatch watch) : PageModel
{
    /// <summary>At most this many unfinished jobs, failures and fires are listed; the heading says when there are more.</summary>
    public const int ListCap = 50, FiresShown = 10;

    public static readonly TimeSpan FailureWindow = TimeSpan.FromHours(24);

    public sealed record JobLine
    {
        public long Id { get; init; }
        public string JobType { get; init; } = "";
        public string FileName { get; init; } = "";
        public string Status { get; init; } = "";
        public string? StatusReason { get; init; }
        public string InitiatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public long? TotalRows { get; init; }
        public long SucceededRows { get; init; }
        public bool DryRun { get; init; }
        public long CollectionId { get; init; }
        public string CollectionName { get; init; } = "";
        public long WorkspaceId { get; init; }
        public string WorkspaceName { get; init; } = "";
    }

    public sealed record FireLine
    {
        public long ScheduleId { get; init; }
        public string ScheduleName { get; init; } = "";
        public string Cron { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public string NamePattern { get; init; } = "";
        public int RecordsPerFile { get; init; }
        public DateTime NextFireAt { get; init; }
        public long CollectionId { get; init; }
        public string CollectionName { get; init; } = "";
        public string WorkspaceName { get; init; } = "";
    }

    /// <summary>QUEUED and IN PROGRESS jobs of every collection, oldest first (the order they run in).</summary>
    public IReadOnlyList<JobLine> Unfinished { get; private set; } = [];

    public bool MoreUnfinished { get; private set; }

    /// <summary>FAILED and RAN WITH ERRORS jobs that finished in the last 24 hours, newest first.</summary>
    public IReadOnlyList<JobLine> Failures { get; private set; } = [];

    public bool MoreFailures { get; private set; }

    public IReadOnlyList<FireLine> NextFires { get; private set; } = [];

    public IReadOnlyList<ScheduleWarning> Warnings { get; private set; } = [];

    /// <summary>
    /// Jobs the page showed unfinished (the poll's ?seen=) that have finished since: they stay in the list
    /// with their final status, so a watched job is seen to end rather than to vanish.
    /// </summary>
    public IReadOnlyList<JobLine> JustFinished { get; private set; } = [];

    /// <summary>The running list: the unfinished jobs, then the watched ones that have just finished.</summary>
    public IReadOnlyList<JobLine> RunningList => [.. Unfinished, .. JustFinished];

    /// <summary>True while a job is unfinished: the panel keeps polling.</summary>
    public bool Polling => Unfinished.Count > 0;

    /// <summary>What the poll re-reads: this page, naming the jobs it shows in the running list.</summary>
    public string PageUrl
    {
        get
        {
            var seen = Unfinished.Concat(JustFinished).Select(j => j.Id).Distinct().Take(ListCap).ToList();
            var home = Url.Content("~/")!;
            return seen.Count == 0 ? home : $"{home}?seen={string.Join(",", seen.Select(id => id.ToString(CultureInfo.InvariantCulture)))}";
        }
    }

    public async Task<IActionResult> OnGetAsync(string? seen)
    {
        var cancellationToken = HttpContext.RequestAborted;
        var now = DateTime.UtcNow;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var paging = database.Provider.Paging;
            var unfinished = (await connection.QueryAsync<JobLine>($"""
                SELECT {JobColumns}
                  FROM jobs j
                  JOIN collections c ON c.id = j.collection_id
                  JOIN workspaces w ON w.id = c.workspace_id
                 WHERE j.finished_at IS NULL
                 ORDER BY j.id
                 {paging}
                """, new { Skip = 0, Take = ListCap + 1 })).AsList();
            MoreUnfinished = unfinished.Count > ListCap;
            Unfinished = MoreUnfinished ? unfinished[..ListCap] : unfinished;

            var failures = (await connection.QueryAsync<JobLine>($"""
                SELECT {JobColumns}
                  FROM jobs j
                  JOIN collections c ON c.id = j.collection_id
                  JOIN workspaces w ON w.id = c.workspace_id
                 WHERE j.status IN (@Failed, @RanWithErrors) AND j.finished_at >= @since
                 ORDER BY j.finished_at DESC, j.id DESC
                 {paging}
                """, new { Failed = Status.Failed, RanWithErrors = Status.RanWithErrors, since = now - FailureWindow, Skip = 0, Take = ListCap + 1 })).AsList();
            MoreFailures = failures.Count > ListCap;
            Failures = MoreFailures ? failures[..ListCap] : failures;

            var seenIds = ParseIds(seen);
            if (seenIds.Count > 0)
            {
                // Named parameters only (@s0, @s1, …): the ids themselves never enter the SQL text.
                var parameters = new DynamicParameters();
                for (var i = 0; i < seenIds.Count; i++) parameters.Add($"s{i}", seenIds[i]);
                var seenList = string.Join(", ", seenIds.Select((_, i) => $"@s{i}"));
                JustFinished = (await connection.QueryAsync<JobLine>($"""
                    SELECT {JobColumns}
                      FROM jobs j
                      JOIN collections c ON c.id = j.collection_id
                      JOIN workspaces w ON w.id = c.workspace_id
                     WHERE j.finished_at IS NOT NULL AND j.id IN ({seenList})
                     ORDER BY j.id
                    """, parameters)).AsList();
            }

            NextFires = (await connection.QueryAsync<FireLine>($"""
                SELECT s.id AS ScheduleId, s.name AS ScheduleName, s.cron AS Cron, s.time_zone AS TimeZone,
                       s.name_pattern AS NamePattern, s.records_per_file AS RecordsPerFile, s.next_fire_at AS NextFireAt,
                       c.id AS CollectionId, c.name AS CollectionName, w.name AS WorkspaceName
                  FROM export_schedules s
                  JOIN collections c ON c.id = s.collection_id
                  JOIN workspaces w ON w.id = c.workspace_id
                 WHERE s.enabled = @Enabled AND s.next_fire_at IS NOT NULL
                 ORDER BY s.next_fire_at, s.id
                 {paging}
                """, new { Enabled = true, Skip = 0, Take = FiresShown })).AsList();
        }
        Warnings = await watch.WarningsAsync(now, cancellationToken);
        return this.PageOrPartial("_Overview");
    }

    /// <summary>"2026-11-28 02:00 Europe/Lisbon": a fire on its schedule's clock (UTC when the zone no longer reads).</summary>
    public static string DescribeFire(FireLine fire)
    {
        try
        {
            return ScheduleDefinition.Read(fire.Cron, fire.TimeZone, fire.NamePattern, fire.RecordsPerFile).Describe(fire.NextFireAt);
        }
        catch (Exception unreadable) when (unreadable is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
        {
            return TimeDisplay.Format(fire.NextFireAt, NodaTime.DateTimeZone.Utc);
        }
    }

    /// <summary>The ids of ?seen=1,2,3 (at most ListCap; anything that is not an id is ignored).</summary>
    private static List<long> ParseIds(string? seen) =>
        (seen ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0)
            .Where(id => id > 0)
            .Distinct()
            .Take(ListCap)
            .ToList();

    private const string JobColumns = """
        j.id AS Id, j.job_type AS JobType, j.file_name AS FileName, j.status AS Status, j.status_reason AS StatusReason,
        j.initiated_by AS InitiatedBy, j.created_at AS CreatedAt, j.started_at AS StartedAt, j.finished_at AS FinishedAt,
        j.total_rows AS TotalRows, j.succeeded_rows AS SucceededRows, j.dry_run AS DryRun,
        c.id AS CollectionId, c.name AS CollectionName, w.id AS WorkspaceId, w.name AS WorkspaceName
        """;
}
