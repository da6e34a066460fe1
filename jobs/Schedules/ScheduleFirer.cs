using System.Globalization;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Exports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Schedules;

/// <summary>
/// Turns export schedules into export jobs. export_schedules.next_fire_at is the UTC time of the next
/// fire a schedule owes (NULL while paused). A due fire becomes one export job through
/// <see cref="ExportSubmission"/>, keyed by (schedule, fire time): the unique index on jobs makes a
/// second submission of the same fire create nothing, whichever process makes it. Then next_fire_at
/// moves to Quartz's first fire after now with a compare-and-set UPDATE, so one pass advances it once.
/// Submitting before advancing means a crash between the two loses no fire: the next pass submits the
/// same fire again, which creates nothing, and advances. A fire owed from before a restart runs once,
/// and its job's note says it was missed, never once per missed fire. A fire that comes while the
/// schedule's previous export is unfinished is skipped, unless the schedule says otherwise
/// (skip_while_unfinished): no job, next_fire_at moves on, and the schedule keeps the skip's time and
/// reason (last_skipped_at, last_skip_reason) for its page; the log says so as a warning.
/// </summary>
public sealed class ScheduleFirer(
    Database database,
    ExportSubmission exports,
    ActivityTrail activity,
    IOptions<ScheduleOptions> options,
    ILogger<ScheduleFirer> logger)
{
    /// <summary>What a scheduled export's Initiated By says: the schedule, by name.</summary>
    public static string InitiatedBy(string scheduleName) => $"schedule: {scheduleName}";

    /// <summary>Fires every schedule that is due now; returns how many export jobs this call created.</summary>
    public Task<int> FireDueAsync(CancellationToken cancellationToken = default) => FireDueAsync(DateTime.UtcNow, cancellationToken);

    public async Task<int> FireDueAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var created = 0;
        foreach (var fire in await FindDueAsync(now, cancellationToken))
        {
            try
            {
                if (await FireAsync(fire, now, cancellationToken) is not null) created++;
            }
            catch (Exception failure) when (failure is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
            {
                // Checked at save, so only a zone that left the system gets here; the Schedules page shows it too.
                logger.LogError(failure, "Schedule {ScheduleId} ({ScheduleName}) cannot fire: {Reason}", fire.Id, fire.Name, failure.Message);
            }
        }
        return created;
    }

    /// <summary>The enabled schedules whose next fire is at or before <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<ScheduleRow>> FindDueAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ScheduleRow>($"""
            SELECT {ScheduleRow.Columns}
              FROM export_schedules
             WHERE enabled = @Enabled AND next_fire_at IS NOT NULL AND next_fire_at <= @now
             ORDER BY next_fire_at, id
            """, new { Enabled = true, now })).AsList();
    }

    /// <summary>
    /// Fires one due fire: submits its export job, then moves next_fire_at past <paramref name="now"/>
    /// if it still holds this fire. Returns the job id, or null when this fire's job existed already.
    /// </summary>
    public async Task<long?> FireAsync(ScheduleRow fire, DateTime now, CancellationToken cancellationToken = default)
    {
        var definition = ScheduleDefinition.Read(fire.Cron, fire.TimeZone, fire.NamePattern, fire.RecordsPerFile);
        var due = fire.NextFireAt ?? throw new ArgumentException("The schedule has no fire due.", nameof(fire));
        if (fire.SkipWhileUnfinished && await UnfinishedExportAsync(fire.Id, due, cancellationToken) is { } previous)
        {
            await SkipAsync(fire, definition, due, now, previous, cancellationToken);
            return null;
        }
        var notes = new List<string>();
        if (now - due > options.Value.ScheduleMisfireThreshold) notes.Add(MissedFireNote(definition, due, now));
        var exportName = ExportName(definition, fire.Id, due, notes);

        var jobId = await exports.SubmitAsync(
            fire.CollectionId, exportName, fire.RecordsPerFile, InitiatedBy(fire.Name),
            fire.Id, due, notes.Count == 0 ? null : string.Join(" ", notes), cancellationToken,
            ActivityActor.Schedule(fire.Name), ActivityActions.ScheduleFire);

        var next = definition.NextFireAfter(now);
        await using var connection = await database.OpenAsync(cancellationToken);
        var advanced = await connection.ExecuteAsync(
            "UPDATE export_schedules SET next_fire_at = @next WHERE id = @Id AND enabled = @Enabled AND next_fire_at = @due",
            new { next, fire.Id, Enabled = true, due });

        if (jobId is not null)
            logger.LogInformation("Schedule {ScheduleId} ({ScheduleName}) fired for {FireTime}: export job {JobId} ({ExportName}); next fire {NextFire}",
                fire.Id, fire.Name, definition.Describe(due), jobId, exportName, next is { } n ? definition.Describe(n) : "none");
        else if (advanced == 1)
            logger.LogInformation("Schedule {ScheduleId} ({ScheduleName}): the fire for {FireTime} had its job already; next fire {NextFire}",
                fire.Id, fire.Name, definition.Describe(due), next is { } n ? definition.Describe(n) : "none");
        return jobId;
    }

    /// <summary>
    /// The oldest unfinished export of the schedule (a fire or a "Run now") other than the job of the fire at
    /// <paramref name="due"/> itself (which a firer racing this one may have just created), or null.
    /// </summary>
    private async Task<UnfinishedExport?> UnfinishedExportAsync(long scheduleId, DateTime due, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<UnfinishedExport>("""
            SELECT id AS Id, status AS Status
              FROM jobs
             WHERE schedule_id = @scheduleId AND finished_at IS NULL AND scheduled_for <> @due
             ORDER BY id
            """, new { scheduleId, due });
    }

    private sealed record UnfinishedExport(long Id, string Status);

    /// <summary>
    /// Skips the fire at <paramref name="due"/> because the schedule's previous export is unfinished: moves
    /// next_fire_at on (compare-and-set, as a fire does, so one pass notes it once) and keeps the skip's
    /// time and reason on the schedule; the log says so too.
    /// </summary>
    private async Task SkipAsync(ScheduleRow fire, ScheduleDefinition definition, DateTime due, DateTime now, UnfinishedExport previous,
        CancellationToken cancellationToken)
    {
        var reason = $"The previous export (job {previous.Id}) was still {previous.Status}.";
        var next = definition.NextFireAfter(now);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var advanced = await connection.ExecuteAsync("""
            UPDATE export_schedules
               SET next_fire_at = @next, last_skipped_at = @due, last_skip_reason = @reason
             WHERE id = @Id AND enabled = @Enabled AND next_fire_at = @due
            """, new { next, fire.Id, Enabled = true, due, reason }, transaction);
        if (advanced == 1)
            await activity.RecordAsync(connection, transaction, ActivityActor.Schedule(fire.Name), ActivityActions.ScheduleSkip,
                ActivityObjects.Schedule, fire.Id, fire.Name, previous.Id, reason);
        await transaction.CommitAsync(cancellationToken);
        if (advanced == 1)
            logger.LogWarning("Schedule {ScheduleId} ({ScheduleName}) skipped its fire for {FireTime}: {Reason} Next fire {NextFire}",
                fire.Id, fire.Name, definition.Describe(due), reason, next is { } n ? definition.Describe(n) : "none");
    }

    /// <summary>
    /// "Run now": an export job right away, initiated by the schedule (paused or not), named from the
    /// pattern at this moment. Returns the job id, or null when the schedule does not exist.
    /// </summary>
    public async Task<long?> RunNowAsync(long scheduleId, string userName, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        ScheduleRow? schedule;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            schedule = await connection.QuerySingleOrDefaultAsync<ScheduleRow>(
                $"SELECT {ScheduleRow.Columns} FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
        }
        if (schedule is null) return null;

        var definition = ScheduleDefinition.Read(schedule.Cron, schedule.TimeZone, schedule.NamePattern, schedule.RecordsPerFile);
        var now = DateTime.UtcNow;
        var notes = new List<string> { $"Run now by {userName}." };
        var exportName = ExportName(definition, schedule.Id, now, notes);
        var jobId = await exports.SubmitAsync(
            schedule.CollectionId, exportName, schedule.RecordsPerFile, InitiatedBy(schedule.Name),
            schedule.Id, now, string.Join(" ", notes), cancellationToken,
            actor ?? ActivityActor.Named(userName), ActivityActions.ScheduleRunNow);
        logger.LogInformation("{UserName} ran schedule {ScheduleId} ({ScheduleName}) now: export job {JobId} ({ExportName})",
            userName, schedule.Id, schedule.Name, jobId, exportName);
        return jobId;
    }

    /// <summary>
    /// "Missed fire at 2026-11-28 02:00 Europe/Lisbon while the server was down; run at start-up."
    /// and, when later fires were missed too, that this one run stands for them.
    /// </summary>
    public static string MissedFireNote(ScheduleDefinition definition, DateTime due, DateTime now)
    {
        var note = $"Missed fire at {definition.Describe(due)} while the server was down; run at start-up.";
        var later = definition.CountFires(due, now);
        if (later == 0) return note;
        var last = definition.NextFires(due, later)[^1];
        return note + $" {later} later fire{(later == 1 ? " was" : "s were")} missed too (the last at {definition.Describe(last)}); this one run stands for all of them.";
    }

    /// <summary>
    /// The pattern rendered for the fire. Checked at save, so this only falls back (and says so in the
    /// job's note) if the rendering differs at fire time: the fire still runs.
    /// </summary>
    private static string ExportName(ScheduleDefinition definition, long scheduleId, DateTime fireUtc, List<string> notes)
    {
        var problem = definition.RenderName(fireUtc, out var name) ?? ExportSubmission.ValidateName(name);
        if (problem is null) return name;
        var fallback = string.Create(CultureInfo.InvariantCulture, $"schedule-{scheduleId}-{definition.InZone(fireUtc):yyyyMMdd-HHmmss}");
        notes.Add($"The export-name pattern \"{definition.NamePattern}\" could not name this export ({problem}); it is named {fallback} instead.");
        return fallback;
    }
}
