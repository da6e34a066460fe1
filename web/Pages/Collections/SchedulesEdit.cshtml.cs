using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Schedules;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// Admins' changes to a collection's export schedules: the form that creates
/// (/Collections/{id}/Schedules/Edit) or edits (/Collections/{id}/Schedules/Edit/{scheduleId}) one,
/// with a live preview of its next fires, and the Pause, Resume, Run now and Delete buttons of the
/// Schedules page. <see cref="ScheduleEditor"/> checks and makes the changes; Run now goes through
/// <see cref="ScheduleFirer"/>.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class SchedulesEditModel(Database database, ScheduleEditor schedules, ScheduleFirer firer) : PageModel
{
    public sealed class ScheduleInput
    {
        public string Name { get; set; } = "";
        public string Cron { get; set; } = "0 0 2 * * ?";
        public string TimeZone { get; set; } = "UTC";
        public string NamePattern { get; set; } = "nightly-{yyyyMMdd}";
        public int RecordsPerFile { get; set; } = ExportSubmission.DefaultRecordsPerFile;
        public bool Enabled { get; set; } = true;
        public bool SkipWhileUnfinished { get; set; } = true;

        /// <summary>"Keep the last N exports" (empty = no limit).</summary>
        public int? KeepLastExports { get; set; }
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
                SkipWhileUnfinished = stored.SkipWhileUnfinished,
                KeepLastExports = stored.KeepLastExports,
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
        var cancellationToken = HttpContext.RequestAborted;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (!await LoadCollectionAsync(connection, id)) return NotFound();
            if (scheduleId is not null && await LoadScheduleAsync(connection, id, scheduleId.Value) is null) return NotFound();
        }

        var now = DateTime.UtcNow;
        Preview = Check(now);
        var settings = new ScheduleSettings(Input.Name, Input.Cron, Input.TimeZone, Input.NamePattern, Input.RecordsPerFile, Input.Enabled, Input.SkipWhileUnfinished,
            Input.KeepLastExports);
        if (!ModelState.IsValid)
        {
            // The form did not bind (the framework says why): say what else is wrong, and change nothing.
            ModelState.AddProblems(await schedules.CheckAsync(id, scheduleId, settings, now, cancellationToken), "Input.");
            return Page();
        }

        ScheduleState saved;
        try
        {
            saved = await schedules.SaveAsync(id, scheduleId, settings, User.Identity?.Name ?? "unknown", now, cancellationToken, HttpContext.Actor());
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, "Input.");
            return Page();
        }
        Message = saved.NextFireAt is { } next
            ? $"Saved the schedule {saved.Name}. Its next fire is at {saved.Definition.Describe(next)}."
            : $"Saved the schedule {saved.Name}; it is paused.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostPauseAsync(long id, long scheduleId)
    {
        if (await schedules.PauseAsync(id, scheduleId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted, HttpContext.Actor()) is not { } name) return NotFound();
        Message = $"Paused the schedule {name}: it does not fire until it is resumed.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostResumeAsync(long id, long scheduleId)
    {
        ScheduleState? resumed;
        try
        {
            resumed = await schedules.ResumeAsync(id, scheduleId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted, HttpContext.Actor());
        }
        catch (ChangeRefusedException cannotFire)
        {
            Message = cannotFire.Message;
            return RedirectToSchedules(id);
        }
        if (resumed is null) return NotFound();
        Message = resumed.NextFireAt is { } next
            ? $"Resumed the schedule {resumed.Name}. Its next fire is at {resumed.Definition.Describe(next)}."
            : $"Resumed the schedule {resumed.Name}, but its cron expression names no later time: it will not fire again.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostRunNowAsync(long id, long scheduleId)
    {
        ScheduleRow? stored;
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            stored = await LoadScheduleAsync(connection, id, scheduleId);
        }
        if (stored is null) return NotFound();
        try
        {
            ScheduleEditor.ReadOrRefuse(stored.Name, stored.Cron, stored.TimeZone, stored.NamePattern, stored.RecordsPerFile);
        }
        catch (ChangeRefusedException cannotFire)
        {
            Message = cannotFire.Message;
            return RedirectToSchedules(id);
        }

        var jobId = await firer.RunNowAsync(scheduleId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted, HttpContext.Actor());
        Message = jobId is null
            ? $"The schedule {stored.Name} no longer exists."
            : $"Queued export job {jobId} for the schedule {stored.Name}; it shows in the Job Tracker.";
        return RedirectToSchedules(id);
    }

    public async Task<IActionResult> OnPostDeleteAsync(long id, long scheduleId)
    {
        if (await schedules.DeleteAsync(id, scheduleId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted, HttpContext.Actor()) is not { } name) return NotFound();
        Message = $"Deleted the schedule {name}. The export jobs it created stay in the Job Tracker.";
        return RedirectToSchedules(id);
    }

    private ScheduleCheck Check(DateTime now) =>
        ScheduleDefinition.Check(Input.Cron, Input.TimeZone, Input.NamePattern, Input.RecordsPerFile, now);

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

    /// <summary>The collection's schedule, or null when it has no such schedule (this page and the REST API).</summary>
    public static Task<ScheduleRow?> FindAsync(System.Data.Common.DbConnection connection, long id, long scheduleId) =>
        connection.QuerySingleOrDefaultAsync<ScheduleRow>($"""
            SELECT {ScheduleRow.Columns}
              FROM export_schedules
             WHERE id = @scheduleId AND collection_id = @id
            """, new { id, scheduleId });

    private async Task<ScheduleRow?> LoadScheduleAsync(System.Data.Common.DbConnection connection, long id, long scheduleId)
    {
        var stored = await FindAsync(connection, id, scheduleId);
        ScheduleId = stored?.Id;
        CurrentName = stored?.Name ?? "";
        return stored;
    }
}
