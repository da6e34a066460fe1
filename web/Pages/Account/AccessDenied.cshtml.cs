using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class AccessDeniedModel : PageModel
{
    public string Role => User.FindFirstValue(ClaimTypes.Role) ?? "none";

    public void OnGet()
    {
    }
}
