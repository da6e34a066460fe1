using JobTracker.Jobs.Running;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// Stop Job (admins). Answers with a redirect to the job's Details at the same filter and page:
/// htmx's request follows it and gets the panel update (HX-Request survives the redirect); a plain
/// form post gets the whole page.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class StopModel(JobStopper stopper, ILogger<StopModel> logger) : PageModel
{
    public IActionResult OnGet(long id) => RedirectToPage("/Jobs/Details", new { id });

    public async Task<IActionResult> OnPostAsync(long id, [FromQuery] string? status, [FromQuery(Name = "page")] int? pageNumber)
    {
        var stoppedBy = User.Identity?.Name ?? "unknown";
        if (await stopper.StopAsync(id, stoppedBy, HttpContext.RequestAborted, HttpContext.Actor()))
            logger.LogInformation("{UserName} stopped job {JobId}", stoppedBy, id);
        else
            logger.LogInformation("{UserName} asked to stop job {JobId}, which had already finished or does not exist", stoppedBy, id);
        // Not RedirectToPage: its "page" route value is the page's name, not our page number.
        var query = QueryString.Empty;
        if (!string.IsNullOrEmpty(status)) query = query.Add("status", status);
        if (pageNumber > 1) query = query.Add("page", pageNumber.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return LocalRedirect(Url.Page("/Jobs/Details", new { id }) + query.ToUriComponent());
    }
}
