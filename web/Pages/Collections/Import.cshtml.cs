using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The upload form. The file streams from the request body straight into <see cref="ImportSubmission"/>,
/// which stores it and queues its job: nothing binds or buffers the form (no form value providers;
/// the antiforgery token from the header, or from the form's first field when a browser posts the
/// form without JavaScript), so a 1 GiB file costs a 64 KiB buffer, not 1 GiB of memory or temp files.
/// With "Review column mapping" the file is only stored (<see cref="MappingStep"/>) and the mapping page comes next.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
[IgnoreAntiforgeryToken] // checked in OnPostAsync, without reading the upload
[DisableFormValueModelBinding]
public sealed class ImportModel(
    Database database,
    ImportSubmission submission,
    MappingStep mappingStep,
    IAntiforgery antiforgery,
    IOptions<EngineOptions> options,
    ILogger<ImportModel> logger) : PageModel
{
    public CollectionHeading Collection { get; private set; } = new();

    /// <summary>Why the last upload was refused, in words for the user.</summary>
    public string? Error { get; private set; }

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    public string MaxUploadLabel => FileStore.FormatBytes(MaxUploadBytes);

    public string TooLargeMessage =>
        $"The file is larger than the upload limit of {MaxUploadLabel}. Split it into smaller files and import them one after another.";

    public async Task<IActionResult> OnGetAsync(long id) =>
        await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(long id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (!await LoadAsync(id)) return NotFound();

        var (reader, bodyLimit) = StreamedUpload.Open(HttpContext, MaxUploadBytes);
        // Refused on its length before a byte is read (so before the form's token could be): refusing changes nothing.
        if (Request.ContentLength > bodyLimit) return Refuse(TooLargeMessage);

        try
        {
            // The header (htmx), or the form's first field (a plain form post): never a read of the whole form.
            if (!await antiforgery.IsStreamedFormValidAsync(HttpContext, reader, cancellationToken)) return BadRequest();
            if (reader is null) return Refuse("Choose a file to import.");
            var dryRun = false; // "Validate only": a field before the file, so read before it streams
            var reviewMapping = false; // "Review column mapping": likewise
            var file = await StreamedUpload.NextFileAsync(reader, (name, _) =>
            {
                dryRun |= name.Equals("validate_only");
                reviewMapping |= name.Equals("review_mapping");
                return Task.CompletedTask;
            }, cancellationToken);
            if (file is null) return Refuse("Choose a file to import.");
            var (body, fileName) = file.Value;

            if (reviewMapping)
            {
                // Stored with no job yet: the mapping page shows its first rows, then queues or deletes it.
                var fileId = await mappingStep.StoreAsync(body, fileName, User.Identity?.Name ?? "unknown", Request.ContentLength, cancellationToken);
                return this.RedirectOrHxRedirect(Url.Page("/Collections/Mapping", new { id, fileId, dryRun = dryRun ? "true" : null })!);
            }
            await submission.SubmitAsync(id, body, fileName, User.Identity?.Name ?? "unknown", cancellationToken,
                declaredBytes: Request.ContentLength, dryRun: dryRun, actor: HttpContext.Actor());
            return this.RedirectOrHxRedirect(Url.Page("/Collections/Jobs", new { id })!);
        }
        catch (UploadRejectedException rejected)
        {
            // Storage failed (a full disk, ...): the form says so in plain words, the log keeps the cause.
            if (rejected.InnerException is { } cause)
                logger.LogWarning(cause, "Upload into collection {CollectionId} not stored: {Reason}", id, rejected.Message);
            return Refuse(rejected.Message);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse(TooLargeMessage);
        }
        catch (InvalidDataException unreadable)
        {
            logger.LogWarning(unreadable, "Unreadable multipart upload into collection {CollectionId}", id);
            return Refuse("The upload could not be read. Choose the file again and retry.");
        }
    }

    private IActionResult Refuse(string message)
    {
        Error = message;
        return this.PageOrPartial("_ImportForm");
    }

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return false;
        Collection = collection;
        return true;
    }
}
