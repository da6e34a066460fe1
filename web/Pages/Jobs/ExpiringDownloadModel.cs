using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// A download page whose file or audit log the retention cleanup may have deleted (JobTracker:Retention). When it has,
/// the page answers 410 Gone and its view shows the shared _Expired partial: when it expired, and a link back to the job.
/// </summary>
public abstract class ExpiringDownloadModel : PageModel
{
    /// <summary>Set when what this download needs expired (JobTracker:Retention): the page says when, with 410 Gone.</summary>
    public string? Expired { get; private set; }

    /// <summary>The job whose download expired (set with <see cref="Expired"/>).</summary>
    public long JobId { get; private set; }

    /// <summary>The page with 410 Gone, saying <paramref name="expired"/> of job <paramref name="id"/>.</summary>
    protected PageResult Gone(long id, string expired)
    {
        JobId = id;
        Expired = expired;
        Response.StatusCode = StatusCodes.Status410Gone;
        return Page();
    }
}
