using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Schedules;

/// <summary>
/// Watches the export schedules, for the overview page and /health/ready (where a warning makes the
/// answer Degraded, never Unhealthy). A schedule gets a warning when its last finished run did not end
/// COMPLETED, when it is enabled and its next fire is overdue by more than
/// <see cref="ScheduleOptions.ScheduleWatchGrace"/> (nothing fired it), or when its last fire was
/// skipped because the previous export was unfinished and it has not run since (no job of a later fire,
/// or "Run now", exists: jobs.scheduled_for is the fire's time). This is the one place
/// that says what is wrong with schedules: anything else that must tell someone (a webhook, later)
/// reads <see cref="WarningsAsync(DateTime, CancellationToken)"/>.
/// </summary>
public sealed class ScheduleWatch(Database database, IOptions<ScheduleOptions> options)
{
    private sealed record WatchedSchedule
    {
        public long ScheduleId { get; init; }
        public string ScheduleName { get; init; } = "";
        public long CollectionId { get; init; }
        public string CollectionName { get; init; } = "";
        public string WorkspaceName { get; init; } = "";
        public string Cron { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public string NamePattern { get; init; } = "";
        public int RecordsPerFile { get; init; }
        public bool Enabled { get; init; }
        public DateTime? NextFireAt { get; init; }
        public DateTime? LastSkippedAt { get; init; }
        public string? LastSkipReason { get; init; }
        public long? LastFinishedJobId { get; init; }
        public string? LastFinishedStatus { get; init; }
        public string? LastFinishedReason { get; init; }
        public DateTime? LastFinishedAt { get; init; }
        public DateTime? LastJobScheduledFor { get; init; }
    }

    /// <summary>The warnings now, by collection and schedule name.</summary>
    public Task<IReadOnlyList<ScheduleWarning>> WarningsAsync(CancellationToken cancellationToken = default) =>
        WarningsAsync(DateTime.UtcNow, cancellationToken);

    /// <summary>The warnings at <paramref name="now"/>, by collection and schedule name.</summary>
    public async Task<IReadOnlyList<ScheduleWarning>> WarningsAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One row per schedule; its last finished run and its newest job come through ix_jobs_schedule.
        var schedules = await connection.QueryAsync<WatchedSchedule>("""
            SELECT s.id AS ScheduleId, s.name AS ScheduleName, s.collection_id AS CollectionId, c.name AS CollectionName,
                   w.name AS WorkspaceName, s.cron AS Cron, s.time_zone AS TimeZone, s.name_pattern AS NamePattern,
                   s.records_per_file AS RecordsPerFile, s.enabled AS Enabled, s.next_fire_at AS NextFireAt,
                   s.last_skipped_at AS LastSkippedAt, s.last_skip_reason AS LastSkipReason,
                   f.id AS LastFinishedJobId, f.status AS LastFinishedStatus, f.status_reason AS LastFinishedReason,
                   f.finished_at AS LastFinishedAt, l.scheduled_for AS LastJobScheduledFor
              FROM export_schedules s
              JOIN collections c ON c.id = s.collection_id
              JOIN workspaces w ON w.id = c.workspace_id
              LEFT JOIN jobs f ON f.id = (SELECT MAX(id) FROM jobs WHERE schedule_id = s.id AND finished_at IS NOT NULL)
              LEFT JOIN jobs l ON l.id = (SELECT MAX(id) FROM jobs WHERE schedule_id = s.id)
             ORDER BY c.name, s.name, s.id
            """);

        var warnings = new List<ScheduleWarning>();
        var grace = options.Value.ScheduleWatchGrace;
        foreach (var schedule in schedules)
        {
            var describe = Describer(schedule);
            ScheduleWarning Warning(ScheduleWarningKind kind, string message, long? jobId, DateTime at) =>
                new(kind, schedule.ScheduleId, schedule.ScheduleName, schedule.CollectionId, schedule.CollectionName, schedule.WorkspaceName, message, jobId, at);

            if (schedule is { LastFinishedJobId: { } jobId, LastFinishedStatus: { } status, LastFinishedAt: { } finishedAt } && status != Status.Completed)
            {
                var reason = string.IsNullOrWhiteSpace(schedule.LastFinishedReason) ? "" : $" {schedule.LastFinishedReason.Trim()}";
                warnings.Add(Warning(ScheduleWarningKind.LastRunNotCompleted,
                    $"The last run of {schedule.ScheduleName} (export job {jobId}) ended {status} at {describe(finishedAt)}.{reason}", jobId, finishedAt));
            }
            if (schedule is { Enabled: true, NextFireAt: { } due } && now - due > grace)
            {
                warnings.Add(Warning(ScheduleWarningKind.Missed,
                    $"{schedule.ScheduleName} has not run: its fire at {describe(due)} is {Overdue(now - due)} overdue. " +
                    "No node is firing schedules (are the workers running?).", null, due));
            }
            if (schedule.LastSkippedAt is { } skippedAt && (schedule.LastJobScheduledFor is not { } lastRun || lastRun < skippedAt))
            {
                warnings.Add(Warning(ScheduleWarningKind.Skipped,
                    $"{schedule.ScheduleName} skipped its fire at {describe(skippedAt)}: {schedule.LastSkipReason} It has not run since.", null, skippedAt));
            }
        }
        return warnings;
    }

    /// <summary>How a time reads for this schedule: on its own clock, or in UTC when its zone no longer reads.</summary>
    private static Func<DateTime, string> Describer(WatchedSchedule schedule)
    {
        try
        {
            var definition = ScheduleDefinition.Read(schedule.Cron, schedule.TimeZone, schedule.NamePattern, schedule.RecordsPerFile);
            return definition.Describe;
        }
        catch (Exception unreadable) when (unreadable is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
        {
            return utc => ScheduleDefinition.LocalTime(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc))) + " UTC";
        }
    }

    /// <summary>"7 minutes", "3 hours", "2 days".</summary>
    private static string Overdue(TimeSpan late) =>
        late.TotalHours < 2 ? $"{(int)late.TotalMinutes} minutes"
        : late.TotalDays < 2 ? $"{(int)late.TotalHours} hours"
        : $"{(int)late.TotalDays} days";
}
