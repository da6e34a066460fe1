using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Api;

/// <summary>
/// Submit an import (a streamed multipart upload, with the Import page's limits and checks: the same
/// <see cref="StreamedUpload"/> and <see cref="ImportSubmission"/>) or an export (<see cref="ExportSubmission"/>).
/// Admins only. Both answer 202 Accepted with the job and its URL; the job runs in the background.
/// </summary>
public static class SubmitEndpoints
{
    /// <summary>A job just queued, and where to follow it.</summary>
    public sealed record SubmittedJob(long Id, string Status, string Url);

    /// <summary>An export: its name (default: the collection's name and today's date) and records per batch file (default 10,000).</summary>
    public sealed record ExportRequest(string? ExportName, int? RecordsPerFile);

    /// <summary>The import's multipart form, for the OpenAPI document: an optional validate_only field, then the file.</summary>
    public sealed record ImportForm(bool? Validate_only, IFormFile File);

    public static void MapSubmitEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/collections/{id:long}/imports", ImportAsync)
            .RequireAuthorization(Policies.CanChange)
            .Accepts<ImportForm>("multipart/form-data")
            .WithName("SubmitImport").WithTags("Imports and exports")
            .WithSummary("Import a .csv, .json or .jsonl file into the collection (admins).")
            .WithDescription("multipart/form-data with the file in the part named \"file\" (curl -F file=@customers.csv). " +
                             "A part validate_only=true before the file makes it a dry run (\"Validate only\"). The upload streams to " +
                             "storage as it arrives, up to JobTracker:MaxUploadBytes (413 past it).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapPost("/collections/{id:long}/exports", ExportAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("SubmitExport").WithTags("Imports and exports")
            .WithSummary("Export the collection into batch files (admins).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static Accepted<SubmittedJob> Queued(long jobId)
    {
        var url = $"{ApiSetup.Prefix}/jobs/{jobId}";
        return TypedResults.Accepted(url, new SubmittedJob(jobId, Status.Queued, url));
    }

    private static async Task<Results<Accepted<SubmittedJob>, ProblemHttpResult>> ImportAsync(
        long id, HttpContext context, Database database, ImportSubmission submission, IOptions<EngineOptions> options, ILoggerFactory loggers)
    {
        var cancellationToken = context.RequestAborted;
        var logger = loggers.CreateLogger(typeof(SubmitEndpoints).FullName!);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (await CollectionHeading.LoadAsync(connection, id) is null) return ApiProblems.CollectionNotFound(id);
        }

        var maxUploadBytes = options.Value.MaxUploadBytes;
        var tooLarge = ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge,
            $"The file is larger than the upload limit of {FileStore.FormatBytes(maxUploadBytes)}. Split it into smaller files and import them one after another.");
        var (reader, bodyLimit) = StreamedUpload.Open(context, maxUploadBytes);
        // Refused on its length before a byte is read: refusing changes nothing.
        if (context.Request.ContentLength > bodyLimit) return tooLarge;
        if (reader is null)
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType,
                "Send the file as multipart/form-data in a part named \"file\", e.g. curl -F file=@customers.csv.");
        try
        {
            var dryRun = false;
            var file = await StreamedUpload.NextFileAsync(reader, async (name, section) =>
            {
                if (!name.Equals("validate_only")) return;
                var value = (await section.ReadAsStringAsync(cancellationToken)).Trim();
                dryRun = value.Equals("true", StringComparison.OrdinalIgnoreCase) || value is "1" or "on";
            }, cancellationToken);
            if (file is null)
                return ApiProblems.BadRequest("There is no file in the upload: send it in a multipart part named \"file\", e.g. curl -F file=@customers.csv.");
            var (body, fileName) = file.Value;

            if (fileName.Length > 0 && FileFormats.FromFileName(fileName) is null)
                return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Only .csv, .json and .jsonl files can be imported.");
            var jobId = await submission.SubmitAsync(id, body, fileName, context.UserName(), cancellationToken,
                declaredBytes: context.Request.ContentLength, dryRun: dryRun, actor: context.Actor());
            return Queued(jobId);
        }
        catch (UploadRejectedException rejected)
        {
            if (rejected.InnerException is { } cause)
                logger.LogWarning(cause, "API upload into collection {CollectionId} not stored: {Reason}", id, rejected.Message);
            return rejected.IsTooLarge ? tooLarge : ApiProblems.BadRequest(rejected.Message);
        }
        catch (BadHttpRequestException bad) when (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return tooLarge;
        }
        catch (InvalidDataException unreadable)
        {
            logger.LogWarning(unreadable, "Unreadable multipart API upload into collection {CollectionId}", id);
            return ApiProblems.BadRequest("The upload could not be read as multipart/form-data. Send the file again.");
        }
    }

    private static async Task<Results<Accepted<SubmittedJob>, ProblemHttpResult>> ExportAsync(
        long id, ExportRequest? request, HttpContext context, Database database, ExportSubmission submission, ILoggerFactory loggers)
    {
        CollectionHeading? collection;
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            collection = await CollectionHeading.LoadAsync(connection, id);
        }
        if (collection is null) return ApiProblems.CollectionNotFound(id);

        var exportName = string.IsNullOrWhiteSpace(request?.ExportName) ? ExportModel.SuggestedName(collection.Name, DateTime.UtcNow) : request.ExportName.Trim();
        var recordsPerFile = request?.RecordsPerFile ?? ExportSubmission.DefaultRecordsPerFile;
        try
        {
            var jobId = await submission.SubmitAsync(id, exportName, recordsPerFile, context.UserName(), cancellationToken: context.RequestAborted, actor: context.Actor())
                ?? throw new InvalidOperationException("A manual export was not queued.");
            loggers.CreateLogger(typeof(SubmitEndpoints).FullName!).LogInformation(
                "{UserName} submitted export job {JobId} ({ExportName}, {RecordsPerFile} records per file) of collection {CollectionId} through the API",
                context.UserName(), jobId, exportName, recordsPerFile, id);
            return Queued(jobId);
        }
        catch (ExportRejectedException rejected)
        {
            return ApiProblems.BadRequest(rejected.Message);
        }
    }
}
