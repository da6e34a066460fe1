using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Schedules;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// Admins' changes to a collection's export schedules: the form that creates
/// (/Collections/{id}/Schedules/Edit) or edits (/Collections/{id}/Schedules/Edit/{scheduleId}) one,
/// with a live preview of its next fires, and the Pause, Resume, Run now and Delete buttons of the
/// Schedules page. A schedule is checked when it is saved (cron, time zone, export-name pattern
/// rendered for its next fire), never at fire time. Saving or resuming sets next_fire_at to the
/// first fire after now; pausing clears it, so a paused schedule never catches up on fires.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class SchedulesEditModel(Database database, ScheduleFirer firer, ILogger<SchedulesEditModel> logger) : PageModel
{
    public const int MaxNameLength = 100;

    private const int SqliteConstraintError = 19;

    public sealed class ScheduleInput
    {
        public string Name { get; set; } = "";
        public string Cron { get; set; } = "0 0 2 * * ?";
        public string TimeZone { get; set; } = "UTC";
        public string NamePattern { get; set; } = "nightly-{yyyyMMdd}";
        public int RecordsPerFile { get; set; } = ExportSubmission.DefaultRecordsPerFile;
        public bool Enabled { get; set; } = true;
    }


    private sealed record StoredSchedule
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string Cron { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public string NamePattern { get; init; } = "";
        public int RecordsPerFile { get; init; }
        public bool Enabled { get; init; }
    }

    [BindProperty]
    public ScheduleInput Input { get; set; } = new();

    public long CollectionId { get; private set; }

    public string CollectionName { get; private set; } = "";

    public long WorkspaceId { get; private set; }

    public string WorkspaceName { get; private set; } = "";

    public long? ScheduleId { get; private set; }

    public string CurrentName { get; private set; } = "";

    /// <summary>The form's schedule as checked now, for the preview of its next fires.</summary>
    public ScheduleCheck? Preview { get; private set; }

    /// <summary>Every time zone this server knows, for the form's suggestions.</summary>
    public static IReadOnlyList<string> TimeZoneIds { get; } =
        TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id).Order(StringComparer.Ordinal).ToList();

    [TempData(Key = SchedulesModel.MessageKey)]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, long? scheduleId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (!await LoadCollectionAsync(connection, id)) return NotFound();
        if (scheduleId is not null)
        {
            if (await LoadScheduleAsync(connection, id, scheduleId.Value) is not { } stored) return NotFound();
            Input = new ScheduleInput
            {
                Name = stored.Name,
                Cron = stored.Cron,
                TimeZone = stored.TimeZone,
                NamePattern = stored.NamePattern,
                RecordsPerFile = stored.RecordsPerFile,
                Enabled = stored.Enabled,
            };
        }
        Preview = Check(DateTime.UtcNow);
        return Page();
    }

    /// <summary>The next fires and export name of the schedule as typed so far (htmx, while the form changes).</summary>
    public IActionResult OnGetPreview(ScheduleInput input)
    {
        Input = input;
        Preview = Check(DateTime.UtcNow);
        return Partial("_SchedulePreview", this);
    }

    public async Task<IActionResult> OnPostAsync(long id, long? scheduleId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (!await LoadCollectionAsync(connection, id)) return NotFound();
        if (scheduleId is not null && await LoadScheduleAsync(connection, id, scheduleId.Value) is null) return NotFound();

        var now = DateTime.UtcNow;
        var name = Input.Name?.Trim() ?? "";
        if (name.Length == 0)
            ModelState.AddModelError("Input.Name", "Give the schedule a name, e.g. Nightly.");
        else if (name.Length > MaxNameLength)
            ModelState.AddModelError("Input.Name", $"The schedule's name can have at most {MaxNameLength} characters.");
        else if (await connection.ExecuteScalarAsync<long>(
                     "SELECT COUNT(*) FROM export_schedules WHERE collection_id = @id AND name = @name AND id <> @scheduleId",
                     new { id, name, scheduleId = scheduleId ?? 0 }) > 0)
            ModelState.AddModelError("Input.Name", $"{CollectionName} already has a schedule named \"{name}\".");

        Preview = Check(now);
        foreach (var (field, problem) in Preview.Problems)
            ModelState.AddModelError("Input." + field, problem);
        if (!ModelState.IsValid || Preview.Definition is not { } definition) return Page();

        var nextFireAt = Input.Enabled ? definition.NextFireAfter(now) : null;
        var values = new
        {
            id,
            scheduleId,
            name,
            cron = Input.Cron.Trim(),
            timeZone = definition.Zone.Id,
            namePattern = definition.NamePattern,
            recordsPerFile = definition.RecordsPerFile,
            enabled = Input.Enabled,
            nextFireAt,
            createdBy = User.Identity?.Name ?? "unknown",
            now,
        };
        try
        {
            if (scheduleId is null)
            {
                scheduleId = await connection.ExecuteScalarAsync<long>(
                    database.Provider.InsertReturningId(
                        "export_schedules",
                        "collection_id, name, cron, time_zone, name_pattern, records_per_file, enabled, next_fire_at, created_by, created_at",
                        "@id, @name, @cron, @timeZone, @namePattern, @recordsPerFile, @enabled, @nextFireAt, @createdBy, @now"),
                    values);
            }
            else
            {
                await connection.ExecuteAsync("""
                    UPDATE export_schedules
                       SET name = @name, cron = @cron, time_zone = @timeZone, name_pattern = @namePattern,
                           records_per_file = @recordsPerFile, enabled = @enabled, next_fire_at = @nextFireAt
                     WHERE id = @scheduleId AND collection_id = @id
                    """, values);
            }
        }
        catch (SqliteException duplicate) when (duplicate.SqliteErrorCode == SqliteConstraintError)
        {
            // Another admin saved the same name in the meantime (UNIQUE (collection_id, name)).
            ModelState.AddModelError("Input.Name", $"{CollectionName} already has a schedule named \"{name}\".");
            return Page();
        }
        logger.LogInformation("{UserName} saved export schedule {ScheduleId} ({ScheduleName}) of collection {CollectionId}: {Cron} in {TimeZone}, next fire {NextFireAt}",
            values.createdBy, scheduleId, name, id, values.cron, values.timeZone, nextFireAt);
        Message = nextFireAt is { } next
            ? $"Saved the schedule {name}. Its next fire is at {definition.Describe(next)}."
            : $"Saved the schedule {name}; it is paused.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostPauseAsync(long id, long scheduleId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (await LoadScheduleAsync(connection, id, scheduleId) is not { } stored) return NotFound();
        await connection.ExecuteAsync(
            "UPDATE export_schedules SET enabled = 0, next_fire_at = NULL WHERE id = @scheduleId AND collection_id = @id", new { id, scheduleId });
        logger.LogInformation("{UserName} paused export schedule {ScheduleId} ({ScheduleName})", User.Identity?.Name, scheduleId, stored.Name);
        Message = $"Paused the schedule {stored.Name}: it does not fire until it is resumed.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostResumeAsync(long id, long scheduleId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (await LoadScheduleAsync(connection, id, scheduleId) is not { } stored) return NotFound();
        if (ReadOrReport(stored) is not { } definition) return RedirectToSchedules(id);

        // From now on: fires that fell while it was paused are not caught up.
        var nextFireAt = definition.NextFireAfter(DateTime.UtcNow);
        await connection.ExecuteAsync(
            "UPDATE export_schedules SET enabled = 1, next_fire_at = @nextFireAt WHERE id = @scheduleId AND collection_id = @id AND enabled = 0",
            new { id, scheduleId, nextFireAt });
        logger.LogInformation("{UserName} resumed export schedule {ScheduleId} ({ScheduleName}), next fire {NextFireAt}", User.Identity?.Name, scheduleId, stored.Name, nextFireAt);
        Message = nextFireAt is { } next
            ? $"Resumed the schedule {stored.Name}. Its next fire is at {definition.Describe(next)}."
            : $"Resumed the schedule {stored.Name}, but its cron expression names no later time: it will not fire again.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostRunNowAsync(long id, long scheduleId)
    {
        StoredSchedule? stored;
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            stored = await LoadScheduleAsync(connection, id, scheduleId);
        }
        if (stored is null) return NotFound();
        if (ReadOrReport(stored) is null) return RedirectToSchedules(id);

        var jobId = await firer.RunNowAsync(scheduleId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted);
        Message = jobId is null
            ? $"The schedule {stored.Name} no longer exists."
            : $"Queued export job {jobId} for the schedule {stored.Name}; it shows in the Job Tracker.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostDeleteAsync(long id, long scheduleId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (await LoadScheduleAsync(connection, id, scheduleId) is not { } stored) return NotFound();

        // Its jobs stay (Initiated By still names it) but forget the id, which SQLite may give a later schedule.
        await using var transaction = await connection.BeginTransactionAsync(HttpContext.RequestAborted);
        await connection.ExecuteAsync("UPDATE jobs SET schedule_id = NULL WHERE schedule_id = @scheduleId", new { scheduleId }, transaction);
        await connection.ExecuteAsync("DELETE FROM export_schedules WHERE id = @scheduleId AND collection_id = @id", new { id, scheduleId }, transaction);
        await transaction.CommitAsync(HttpContext.RequestAborted);
        logger.LogInformation("{UserName} deleted export schedule {ScheduleId} ({ScheduleName})", User.Identity?.Name, scheduleId, stored.Name);
        Message = $"Deleted the schedule {stored.Name}. The export jobs it created stay in the Job Tracker.";
        return RedirectToSchedules(id);
    }

    private ScheduleCheck Check(DateTime now) =>
        ScheduleDefinition.Check(Input.Cron, Input.TimeZone, Input.NamePattern, Input.RecordsPerFile, now);

    /// <summary>A stored schedule that no longer reads (its zone left the system) leaves a message instead.</summary>
    private ScheduleDefinition? ReadOrReport(StoredSchedule stored)
    {
        try
        {
            return ScheduleDefinition.Read(stored.Cron, stored.TimeZone, stored.NamePattern, stored.RecordsPerFile);
        }
        catch (Exception unreadable) when (unreadable is TimeZoneNotFoundException or InvalidTimeZoneException or FormatException)
        {
            Message = $"The schedule {stored.Name} cannot fire: {unreadable.Message} Edit it to fix it.";
            return null;
        }
    }

    /// <summary>Back to the Schedules page: htmx follows the redirect and swaps in its table; a plain post gets the page.</summary>
    private IActionResult RedirectToSchedules(long id) => LocalRedirect(Url.Page("/Collections/Schedules", new { id })!);

    private async Task<bool> LoadCollectionAsync(System.Data.Common.DbConnection connection, long id)
    {
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return false;
        CollectionId = collection.Id;
        CollectionName = collection.Name;
        WorkspaceId = collection.WorkspaceId;
        WorkspaceName = collection.WorkspaceName;
        return true;
    }

    private async Task<StoredSchedule?> LoadScheduleAsync(System.Data.Common.DbConnection connection, long id, long scheduleId)
    {
        var stored = await connection.QuerySingleOrDefaultAsync<StoredSchedule>("""
            SELECT id AS Id, name AS Name, cron AS Cron, time_zone AS TimeZone, name_pattern AS NamePattern,
                   records_per_file AS RecordsPerFile, enabled AS Enabled
              FROM export_schedules
             WHERE id = @scheduleId AND collection_id = @id
            """, new { id, scheduleId });
        ScheduleId = stored?.Id;
        CurrentName = stored?.Name ?? "";
        return stored;
    }
}
