using JobTracker.Jobs;
using JobTracker.Jobs.Imports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// "Import for real" (admins), on a finished dry run's Details: queues the import of the same stored
/// file (<see cref="ImportSubmission.ImportForRealAsync"/>) and goes to the new job's Details.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class ImportForRealModel(ImportSubmission imports, ILogger<ImportForRealModel> logger) : PageModel
{
    public long JobId { get; private set; }

    /// <summary>Why the import was refused, in words for the user.</summary>
    public string? Error { get; private set; }

    public IActionResult OnGet(long id) => RedirectToPage("/Jobs/Details", new { id });

    public async Task<IActionResult> OnPostAsync(long id)
    {
        JobId = id;
        var initiatedBy = User.Identity?.Name ?? "unknown";
        try
        {
            var jobId = await imports.ImportForRealAsync(id, initiatedBy, HttpContext.RequestAborted, HttpContext.Actor());
            logger.LogInformation("{UserName} imported the file of dry run {DryRunJobId} for real as job {JobId}", initiatedBy, id, jobId);
            return this.RedirectOrHxRedirect(Url.Page("/Jobs/Details", new { id = jobId })!);
        }
        catch (ChangeRefusedException refused)
        {
            Error = refused.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
    }
}
