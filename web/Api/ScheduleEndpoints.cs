using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Schedules;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobTracker.Web.Api;

/// <summary>
/// A collection's export schedules: read by every role (through the Schedules page's query); created,
/// edited, paused, resumed, run now and deleted by admins through <see cref="ScheduleEditor"/> and
/// <see cref="ScheduleFirer"/>, checked exactly as the schedule form is.
/// </summary>
public static class ScheduleEndpoints
{
    /// <summary>A schedule's last run: its newest job.</summary>
    public sealed record LastRun(long JobId, string Status, DateTimeOffset StartedAt, DateTime? FinishedAt);

    /// <summary>A schedule as the Schedules page shows it: its next fires in its own time zone (none while paused), or why it cannot fire.</summary>
    public sealed record ScheduleInfo(
        long Id, string Name, string Cron, string TimeZone, string NamePattern, int RecordsPerFile, bool Enabled,
        IReadOnlyList<DateTimeOffset> NextFires, string? NextExportName, LastRun? LastRun, string? Problem, int? KeepLastExports);

    /// <summary>
    /// A schedule to create or change. Creating, a missing value takes the form's default (cron 0 0 2 * * ? in UTC,
    /// names nightly-{yyyyMMdd}, 10,000 records per file, enabled, every export's files kept); changing, a missing value
    /// stays as it is. KeepLastExports: only the newest N finished exports keep their files (0 = no limit).
    /// </summary>
    public sealed record ScheduleRequest(
        string? Name, string? Cron, string? TimeZone, string? NamePattern, int? RecordsPerFile, bool? Enabled, int? KeepLastExports = null);

    public static void MapScheduleEndpoints(this RouteGroupBuilder api)
    {
        const string Tag = "Schedules";
        var schedule = "/collections/{id:long}/schedules/{scheduleId:long}";

        api.MapGet("/collections/{id:long}/schedules", ListAsync)
            .WithName("ListSchedules").WithTags(Tag)
            .WithSummary("The collection's export schedules, each with its next fires and its last run.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet(schedule, GetAsync)
            .WithName("GetSchedule").WithTags(Tag)
            .WithSummary("One export schedule, with its next fires and its last run.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/collections/{id:long}/schedules", CreateAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("CreateSchedule").WithTags(Tag)
            .WithSummary("Create an export schedule (admins): a Quartz cron expression in a named time zone.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapPut(schedule, EditAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("EditSchedule").WithTags(Tag)
            .WithSummary("Change an export schedule (admins); values left out stay as they are.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapPost(schedule + "/pause", PauseAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("PauseSchedule").WithTags(Tag)
            .WithSummary("Pause a schedule (admins): it does not fire until it is resumed.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost(schedule + "/resume", ResumeAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("ResumeSchedule").WithTags(Tag)
            .WithSummary("Resume a paused schedule from now on (admins); fires missed while paused are not caught up.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost(schedule + "/run", RunNowAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("RunScheduleNow").WithTags(Tag)
            .WithSummary("Run now (admins): queue the schedule's export at once, whether or not it is paused.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDelete(schedule, DeleteAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("DeleteSchedule").WithTags(Tag)
            .WithSummary("Delete a schedule (admins); the export jobs it created stay.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static ProblemHttpResult ScheduleNotFound(long id, long scheduleId) =>
        ApiProblems.NotFound($"Collection {id} has no export schedule with id {scheduleId}.");

    private static ScheduleInfo Info(SchedulesModel.ScheduleView view)
    {
        var line = view.Line;
        var lastRun = line.LastJobId is { } jobId && view.LastRunAt is { } at ? new LastRun(jobId, line.LastJobStatus ?? "", at, line.LastJobFinishedAt) : null;
        // A paused schedule does not fire: no next fires until it is resumed.
        return new ScheduleInfo(line.Id, line.Name, line.Cron, line.TimeZone, line.NamePattern, line.RecordsPerFile, line.Enabled,
            line.Enabled ? view.NextFires : [], line.Enabled ? view.NextExportName : null, lastRun, view.Problem, line.KeepLastExports);
    }

    /// <summary>The collection's schedules, or null when there is no such collection.</summary>
    private static async Task<IReadOnlyList<ScheduleInfo>?> ReadAsync(Database database, long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await CollectionHeading.LoadAsync(connection, id) is null) return null;
        return (await SchedulesModel.ReadAsync(connection, id, DateTime.UtcNow)).Select(Info).ToList();
    }

    private static async Task<ScheduleInfo?> FindAsync(Database database, long id, long scheduleId, CancellationToken cancellationToken) =>
        (await ReadAsync(database, id, cancellationToken))?.FirstOrDefault(s => s.Id == scheduleId);

    private static async Task<Results<Ok<IReadOnlyList<ScheduleInfo>>, ProblemHttpResult>> ListAsync(long id, Database database, HttpContext context) =>
        await ReadAsync(database, id, context.RequestAborted) is { } schedules ? TypedResults.Ok(schedules) : ApiProblems.CollectionNotFound(id);

    private static async Task<Results<Ok<ScheduleInfo>, ProblemHttpResult>> GetAsync(long id, long scheduleId, Database database, HttpContext context) =>
        await FindAsync(database, id, scheduleId, context.RequestAborted) is { } found ? TypedResults.Ok(found) : ScheduleNotFound(id, scheduleId);

    private static async Task<Results<Created<ScheduleInfo>, ProblemHttpResult>> CreateAsync(
        long id, ScheduleRequest request, Database database, ScheduleEditor editor, HttpContext context)
    {
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            if (await CollectionHeading.LoadAsync(connection, id) is null) return ApiProblems.CollectionNotFound(id);
        }
        var settings = new ScheduleSettings(request.Name, request.Cron ?? "0 0 2 * * ?", request.TimeZone ?? "UTC", request.NamePattern ?? "nightly-{yyyyMMdd}",
            request.RecordsPerFile ?? ExportSubmission.DefaultRecordsPerFile, request.Enabled ?? true,
            KeepLastExports: request.KeepLastExports is > 0 ? request.KeepLastExports : null);
        try
        {
            var saved = await editor.SaveAsync(id, null, settings, context.UserName(), DateTime.UtcNow, context.RequestAborted, context.Actor());
            var info = await FindAsync(database, id, saved.Id, context.RequestAborted);
            return TypedResults.Created($"{ApiSetup.Prefix}/collections/{id}/schedules/{saved.Id}", info);
        }
        catch (ChangeRefusedException refused)
        {
            return ApiProblems.Refused(refused);
        }
    }

    private static async Task<Results<Ok<ScheduleInfo>, ProblemHttpResult>> EditAsync(
        long id, long scheduleId, ScheduleRequest request, Database database, ScheduleEditor editor, HttpContext context)
    {
        ScheduleRow? stored;
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            stored = await SchedulesEditModel.FindAsync(connection, id, scheduleId);
        }
        if (stored is null) return ScheduleNotFound(id, scheduleId);
        var settings = new ScheduleSettings(request.Name ?? stored.Name, request.Cron ?? stored.Cron, request.TimeZone ?? stored.TimeZone,
            request.NamePattern ?? stored.NamePattern, request.RecordsPerFile ?? stored.RecordsPerFile, request.Enabled ?? stored.Enabled,
            stored.SkipWhileUnfinished, request.KeepLastExports is { } keep ? (keep > 0 ? keep : null) : stored.KeepLastExports);
        try
        {
            await editor.SaveAsync(id, scheduleId, settings, context.UserName(), DateTime.UtcNow, context.RequestAborted, context.Actor());
        }
        catch (ChangeRefusedException refused)
        {
            return ApiProblems.Refused(refused);
        }
        return await FindAsync(database, id, scheduleId, context.RequestAborted) is { } info ? TypedResults.Ok(info) : ScheduleNotFound(id, scheduleId);
    }

    private static async Task<Results<Ok<ScheduleInfo>, ProblemHttpResult>> PauseAsync(
        long id, long scheduleId, Database database, ScheduleEditor editor, HttpContext context)
    {
        if (await editor.PauseAsync(id, scheduleId, context.UserName(), context.RequestAborted, context.Actor()) is null) return ScheduleNotFound(id, scheduleId);
        return await FindAsync(database, id, scheduleId, context.RequestAborted) is { } info ? TypedResults.Ok(info) : ScheduleNotFound(id, scheduleId);
    }

    private static async Task<Results<Ok<ScheduleInfo>, ProblemHttpResult>> ResumeAsync(
        long id, long scheduleId, Database database, ScheduleEditor editor, HttpContext context)
    {
        try
        {
            if (await editor.ResumeAsync(id, scheduleId, context.UserName(), context.RequestAborted, context.Actor()) is null) return ScheduleNotFound(id, scheduleId);
        }
        catch (ChangeRefusedException cannotFire)
        {
            return ApiProblems.Conflict(cannotFire.Message);
        }
        return await FindAsync(database, id, scheduleId, context.RequestAborted) is { } info ? TypedResults.Ok(info) : ScheduleNotFound(id, scheduleId);
    }

    private static async Task<Results<Accepted<SubmitEndpoints.SubmittedJob>, ProblemHttpResult>> RunNowAsync(
        long id, long scheduleId, Database database, ScheduleFirer firer, HttpContext context)
    {
        ScheduleRow? stored;
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            stored = await SchedulesEditModel.FindAsync(connection, id, scheduleId);
        }
        if (stored is null) return ScheduleNotFound(id, scheduleId);
        try
        {
            ScheduleEditor.ReadOrRefuse(stored.Name, stored.Cron, stored.TimeZone, stored.NamePattern, stored.RecordsPerFile);
        }
        catch (ChangeRefusedException cannotFire)
        {
            return ApiProblems.Conflict(cannotFire.Message);
        }
        if (await firer.RunNowAsync(scheduleId, context.UserName(), context.RequestAborted, context.Actor()) is not { } jobId) return ScheduleNotFound(id, scheduleId);
        var url = $"{ApiSetup.Prefix}/jobs/{jobId}";
        return TypedResults.Accepted(url, new SubmitEndpoints.SubmittedJob(jobId, Status.Queued, url));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, long scheduleId, ScheduleEditor editor, HttpContext context) =>
        await editor.DeleteAsync(id, scheduleId, context.UserName(), context.RequestAborted, context.Actor()) is null ? ScheduleNotFound(id, scheduleId) : TypedResults.NoContent();
}
