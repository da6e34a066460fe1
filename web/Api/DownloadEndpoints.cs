using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobTracker.Web.Api;

/// <summary>
/// The downloads of the Job Details panel, for admins and support staff, through the pages' own code:
/// an import's audit log (CSV, streamed) and original file, an export's batch files and its archive (zip, streamed).
/// What the retention cleanup deleted answers 410 Gone, its detail saying when it expired and how long it was kept.
/// </summary>
public static class DownloadEndpoints
{
    public static void MapDownloadEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/jobs/{id:long}/audit-log", AuditLogAsync)
            .RequireAuthorization(Policies.CanDownload)
            .WithName("DownloadAuditLog").WithTags("Downloads")
            .WithSummary("An import's audit log as CSV: every row of the file with its batch, key, outcome and message (admins, support).")
            .WithDescription("With batch=N, only that batch's rows.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);

        api.MapGet("/jobs/{id:long}/file", OriginalFileAsync)
            .RequireAuthorization(Policies.CanDownload)
            .WithName("DownloadOriginalFile").WithTags("Downloads")
            .WithSummary("The file an import was submitted with, under its own name (admins, support).")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/octet-stream", "text/csv", "application/json", "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);

        api.MapGet("/jobs/{id:long}/batches/{batchNo:int}/file", BatchFileAsync)
            .RequireAuthorization(Policies.CanDownload)
            .WithName("DownloadBatchFile").WithTags("Downloads")
            .WithSummary("One finished batch file of an export, {exportName}-{batchNo}.json (admins, support).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);

        api.MapGet("/jobs/{id:long}/archive", ArchiveAsync)
            .RequireAuthorization(Policies.CanDownload)
            .WithName("DownloadExportArchive").WithTags("Downloads")
            .WithSummary("Every finished batch file of an export in one zip, {exportName}.zip (admins, support).")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> AuditLogAsync(
        long id, int? batch, HttpContext context, Database database, AuditLog auditLog)
    {
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            if (!await AuditLogModel.ExistsAsync(connection, id, batch))
                return ApiProblems.NotFound(batch is null
                    ? $"There is no import with id {id}: only imports have an audit log."
                    : $"There is no import with id {id} that has a batch {batch}.");
            if (await Expiry.TextAsync(context, connection, id, JobTypes.Import, audit: true) is { } expired) return Gone(expired);
        }
        await context.RecordDownloadAsync(ActivityActions.DownloadAuditLog, id, batch is null ? null : $"batch {batch}");
        await AuditLogModel.WriteAsync(context.Response, auditLog, id, batch, context.RequestAborted);
        return TypedResults.Empty;
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> OriginalFileAsync(
        long id, HttpContext context, Database database, FileStore fileStore)
    {
        if (await Expiry.TextAsync(context, database, id, JobTypes.Import, audit: false) is { } expired) return Gone(expired);
        if (await OriginalFileModel.OpenAsync(database, fileStore, id, context.RequestAborted) is not { } file)
            return ApiProblems.NotFound($"Job {id} has no imported file to download: there is no such import, or its file is no longer stored.");
        await context.RecordDownloadAsync(ActivityActions.DownloadOriginal, id);
        return TypedResults.Stream(file.Content, file.ContentType, file.FileName, enableRangeProcessing: true);
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> BatchFileAsync(
        long id, int batchNo, HttpContext context, Database database, FileStore fileStore)
    {
        if (await BatchFileModel.OpenAsync(database, fileStore, id, batchNo, context.RequestAborted) is not { } stored)
        {
            return await Expiry.TextAsync(context, database, id, JobTypes.Export, audit: false) is { } expired
                ? Gone(expired)
                : ApiProblems.NotFound($"Export job {id} has no finished batch file {batchNo}.");
        }
        await context.RecordDownloadAsync(ActivityActions.DownloadBatchFile, id, $"batch {batchNo}");
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Stream(stored.Content, "application/json", stored.File.FileName, enableRangeProcessing: true);
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ArchiveAsync(
        long id, HttpContext context, Database database, FileStore fileStore, ILoggerFactory loggers)
    {
        if (await Expiry.TextAsync(context, database, id, JobTypes.Export, audit: false) is { } expired) return Gone(expired);
        return await ExportArchiveModel.WriteAsync(context, database, fileStore, loggers.CreateLogger<ExportArchiveModel>(), id)
            ? TypedResults.Empty
            : ApiProblems.NotFound($"There is no export with id {id}.");
    }

    /// <summary>410 Gone: what the download needs was deleted by the retention cleanup; the detail says when.</summary>
    private static ProblemHttpResult Gone(string expired) => ApiProblems.Problem(StatusCodes.Status410Gone, expired + ".");
}
