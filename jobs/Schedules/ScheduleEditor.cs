using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;

namespace JobTracker.Jobs.Schedules;

/// <summary>
/// Admins' changes to a collection's export schedules: save (create or edit), pause, resume, delete.
/// A schedule is checked when it is saved (a name unique in its collection, then cron, time zone and
/// export-name pattern through <see cref="ScheduleDefinition.Check"/>), never at fire time. Saving an
/// enabled schedule or resuming one sets next_fire_at to the first fire after now; pausing clears it,
/// so a paused schedule never catches up on fires. A refused change throws
/// <see cref="ChangeRefusedException"/> with problems on Name, Cron, TimeZone, NamePattern or RecordsPerFile.
/// </summary>
public sealed class ScheduleEditor(Database database, ActivityTrail activity, ILogger<ScheduleEditor> logger)
{
    public const int MaxNameLength = 100;

    private sealed record Checked(string Name, ScheduleDefinition? Definition, IReadOnlyList<InputProblem> Problems);

    /// <summary>The problems a save would be refused for at <paramref name="now"/>; writes nothing.</summary>
    public async Task<IReadOnlyList<InputProblem>> CheckAsync(
        long collectionId, long? scheduleId, ScheduleSettings settings, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await CheckAsync(connection, collectionId, scheduleId, settings, now)).Problems;
    }

    /// <summary>Creates (<paramref name="scheduleId"/> null) or changes a schedule of a collection, as checked at <paramref name="now"/>.</summary>
    public async Task<ScheduleState> SaveAsync(
        long collectionId, long? scheduleId, ScheduleSettings settings, string savedBy, DateTime now, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (name, checkedDefinition, problems) = await CheckAsync(connection, collectionId, scheduleId, settings, now);
        if (problems.Count > 0 || checkedDefinition is not { } definition) throw new ChangeRefusedException(problems);

        var nextFireAt = settings.Enabled ? definition.NextFireAfter(now) : null;
        var values = new
        {
            id = collectionId,
            scheduleId,
            name,
            cron = settings.Cron!.Trim(),
            timeZone = definition.Zone.Id,
            namePattern = definition.NamePattern,
            recordsPerFile = definition.RecordsPerFile,
            enabled = settings.Enabled,
            skip = settings.SkipWhileUnfinished,
            keepLast = settings.KeepLastExports,
            nextFireAt,
            createdBy = savedBy,
            now,
        };
        var creating = scheduleId is null;
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            if (scheduleId is null)
            {
                scheduleId = await connection.ExecuteScalarAsync<long>(
                    database.Provider.InsertReturningId(
                        "export_schedules",
                        "collection_id, name, cron, time_zone, name_pattern, records_per_file, enabled, skip_while_unfinished, keep_last_exports, next_fire_at, created_by, created_at",
                        "@id, @name, @cron, @timeZone, @namePattern, @recordsPerFile, @enabled, @skip, @keepLast, @nextFireAt, @createdBy, @now"),
                    values, transaction);
            }
            else
            {
                await connection.ExecuteAsync("""
                    UPDATE export_schedules
                       SET name = @name, cron = @cron, time_zone = @timeZone, name_pattern = @namePattern,
                           records_per_file = @recordsPerFile, enabled = @enabled, skip_while_unfinished = @skip,
                           keep_last_exports = @keepLast, next_fire_at = @nextFireAt
                     WHERE id = @scheduleId AND collection_id = @id
                    """, values, transaction);
            }
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(savedBy),
                creating ? ActivityActions.ScheduleCreate : ActivityActions.ScheduleEdit, ActivityObjects.Schedule, scheduleId, name, null,
                $"{values.cron} in {values.timeZone}");
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception duplicate) when (database.Provider.IsUniqueViolation(duplicate))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await transaction.DisposeAsync();
            // Another admin saved the same name in the meantime (UNIQUE (collection_id, name)).
            throw new ChangeRefusedException("Name", await NameTakenAsync(connection, collectionId, name));
        }
        finally
        {
            await transaction.DisposeAsync();
        }
        logger.LogInformation("{UserName} saved export schedule {ScheduleId} ({ScheduleName}) of collection {CollectionId}: {Cron} in {TimeZone}, next fire {NextFireAt}",
            savedBy, scheduleId, name, collectionId, values.cron, values.timeZone, nextFireAt);
        return new ScheduleState(scheduleId.Value, name, definition, nextFireAt);
    }

    /// <summary>Pauses a schedule: it does not fire until resumed. Returns its name, or null when the collection has no such schedule.</summary>
    public async Task<string?> PauseAsync(long collectionId, long scheduleId, string pausedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await LoadAsync(connection, collectionId, scheduleId) is not { } stored) return null;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(
                "UPDATE export_schedules SET enabled = @Paused, next_fire_at = NULL WHERE id = @scheduleId AND collection_id = @collectionId",
                new { Paused = false, collectionId, scheduleId }, transaction);
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(pausedBy), ActivityActions.SchedulePause,
                ActivityObjects.Schedule, scheduleId, stored.Name, null);
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogInformation("{UserName} paused export schedule {ScheduleId} ({ScheduleName})", pausedBy, scheduleId, stored.Name);
        return stored.Name;
    }

    /// <summary>
    /// Resumes a paused schedule from now on: fires that fell while it was paused are not caught up.
    /// Returns null when the collection has no such schedule; refused when the stored schedule no longer reads.
    /// </summary>
    public async Task<ScheduleState?> ResumeAsync(long collectionId, long scheduleId, string resumedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await LoadAsync(connection, collectionId, scheduleId) is not { } stored) return null;
        var definition = ReadOrRefuse(stored.Name, stored.Cron, stored.TimeZone, stored.NamePattern, stored.RecordsPerFile);

        var nextFireAt = definition.NextFireAfter(DateTime.UtcNow);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (await connection.ExecuteAsync(
                    "UPDATE export_schedules SET enabled = @Enabled, next_fire_at = @nextFireAt WHERE id = @scheduleId AND collection_id = @collectionId AND enabled = @Paused",
                    new { Enabled = true, Paused = false, collectionId, scheduleId, nextFireAt }, transaction) == 1)
                await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(resumedBy), ActivityActions.ScheduleResume,
                    ActivityObjects.Schedule, scheduleId, stored.Name, null);
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogInformation("{UserName} resumed export schedule {ScheduleId} ({ScheduleName}), next fire {NextFireAt}", resumedBy, scheduleId, stored.Name, nextFireAt);
        return new ScheduleState(scheduleId, stored.Name, definition, nextFireAt);
    }

    /// <summary>
    /// Deletes a schedule. Its jobs stay (Initiated By still names it) but forget its id, which the database
    /// may give a later schedule. Returns its name, or null when the collection has no such schedule.
    /// </summary>
    public async Task<string?> DeleteAsync(long collectionId, long scheduleId, string deletedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await LoadAsync(connection, collectionId, scheduleId) is not { } stored) return null;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("UPDATE jobs SET schedule_id = NULL WHERE schedule_id = @scheduleId", new { scheduleId }, transaction);
            await connection.ExecuteAsync("DELETE FROM export_schedules WHERE id = @scheduleId AND collection_id = @collectionId", new { collectionId, scheduleId }, transaction);
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(deletedBy), ActivityActions.ScheduleDelete,
                ActivityObjects.Schedule, scheduleId, stored.Name, null);
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogInformation("{UserName} deleted export schedule {ScheduleId} ({ScheduleName})", deletedBy, scheduleId, stored.Name);
        return stored.Name;
    }

    /// <summary>
    /// A stored schedule as it reads now. Checked when it was saved, so only a zone that left the
    /// system refuses it, with the reason for the user.
    /// </summary>
    public static ScheduleDefinition ReadOrRefuse(string scheduleName, string cron, string timeZone, string namePattern, int recordsPerFile)
    {
        try
        {
            return ScheduleDefinition.Read(cron, timeZone, namePattern, recordsPerFile);
        }
        catch (Exception unreadable) when (unreadable is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
        {
            throw new ChangeRefusedException("", $"The schedule {scheduleName} cannot fire: {unreadable.Message} Edit it to fix it.");
        }
    }

    private static async Task<Checked> CheckAsync(DbConnection connection, long collectionId, long? scheduleId, ScheduleSettings settings, DateTime now)
    {
        var problems = new List<InputProblem>();
        var name = settings.Name?.Trim() ?? "";
        if (name.Length == 0)
            problems.Add(new InputProblem("Name", "Give the schedule a name, e.g. Nightly."));
        else if (name.Length > MaxNameLength)
            problems.Add(new InputProblem("Name", $"The schedule's name can have at most {MaxNameLength} characters."));
        else if (await connection.ExecuteScalarAsync<long>(
                     "SELECT COUNT(*) FROM export_schedules WHERE collection_id = @collectionId AND name = @name AND id <> @scheduleId",
                     new { collectionId, name, scheduleId = scheduleId ?? 0 }) > 0)
            problems.Add(new InputProblem("Name", await NameTakenAsync(connection, collectionId, name)));

        var check = ScheduleDefinition.Check(settings.Cron, settings.TimeZone, settings.NamePattern, settings.RecordsPerFile, now);
        foreach (var (field, problem) in check.Problems)
            problems.Add(new InputProblem(field, problem));
        if (settings.KeepLastExports is < 1)
            problems.Add(new InputProblem("KeepLastExports", "Keep the last N exports must be 1 or more, or empty to keep them all."));
        return new Checked(name, check.Definition, problems);
    }

    private static async Task<string> NameTakenAsync(DbConnection connection, long collectionId, string name)
    {
        var collectionName = await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM collections WHERE id = @collectionId", new { collectionId });
        return $"{collectionName} already has a schedule named \"{name}\".";
    }

    private static Task<ScheduleRow?> LoadAsync(DbConnection connection, long collectionId, long scheduleId) =>
        connection.QuerySingleOrDefaultAsync<ScheduleRow?>($"""
            SELECT {ScheduleRow.Columns}
              FROM export_schedules
             WHERE id = @scheduleId AND collection_id = @collectionId
            """, new { collectionId, scheduleId });
}
