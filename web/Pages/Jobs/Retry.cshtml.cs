using JobTracker.Jobs;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// Retry failed rows (admins): queues an import of the job's failed rows, or of the corrected file the
/// form carries, through <see cref="RetrySubmission"/>, and goes to the new job's Details. Like the
/// import form, nothing binds or buffers the form: the token comes first (or in the header), then the
/// optional file, which streams straight into storage.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
[IgnoreAntiforgeryToken] // checked in OnPostAsync, without reading the upload
[DisableFormValueModelBinding]
public sealed class RetryModel(RetrySubmission retries, IAntiforgery antiforgery, IOptions<EngineOptions> options, ILogger<RetryModel> logger) : PageModel
{
    public long JobId { get; private set; }

    /// <summary>Why the retry was refused, in words for the user.</summary>
    public string? Error { get; private set; }

    public IActionResult OnGet(long id) => RedirectToPage("/Jobs/Details", new { id });

    public async Task<IActionResult> OnPostAsync(long id)
    {
        JobId = id;
        var cancellationToken = HttpContext.RequestAborted;
        var (reader, bodyLimit) = StreamedUpload.Open(HttpContext, options.Value.MaxUploadBytes);
        var initiatedBy = User.Identity?.Name ?? "unknown";
        try
        {
            if (!await antiforgery.IsStreamedFormValidAsync(HttpContext, reader, cancellationToken)) return BadRequest();
            if (Request.ContentLength > bodyLimit)
                return Refuse($"The file is larger than the upload limit of {FileStore.FormatBytes(options.Value.MaxUploadBytes)}.");
            long? retryId = null;
            while (retryId is null && reader is not null && await StreamedUpload.NextFileAsync(reader, null, cancellationToken) is { } file)
            {
                if (file.FileName.Length == 0) continue; // the file input left empty: the failed rows as they were
                retryId = await retries.RetryAsync(id, file.Body, file.FileName, initiatedBy, Request.ContentLength, cancellationToken, HttpContext.Actor());
            }
            retryId ??= await retries.RetryAsync(id, null, null, initiatedBy, cancellationToken: cancellationToken, actor: HttpContext.Actor());
            logger.LogInformation("{UserName} retried the failed rows of job {JobId} as job {RetryJobId}", initiatedBy, id, retryId);
            return this.RedirectOrHxRedirect(Url.Page("/Jobs/Details", new { id = retryId })!);
        }
        catch (ChangeRefusedException refused)
        {
            return Refuse(refused.Message);
        }
        catch (UploadRejectedException rejected)
        {
            if (rejected.InnerException is { } cause)
                logger.LogWarning(cause, "Retry of job {JobId} not stored: {Reason}", id, rejected.Message);
            return Refuse(rejected.Message);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse($"The file is larger than the upload limit of {FileStore.FormatBytes(options.Value.MaxUploadBytes)}.");
        }
        catch (InvalidDataException unreadable)
        {
            logger.LogWarning(unreadable, "Unreadable multipart retry of job {JobId}", id);
            return Refuse("The upload could not be read. Choose the file again and retry.");
        }
    }

    private PageResult Refuse(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
