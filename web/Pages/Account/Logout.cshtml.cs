using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

/// <summary>Sign out is a POST (from the header's form): it ends the server-side session, so a copy of the cookie stops working too. A GET just goes home.</summary>
[AllowAnonymous]
public sealed class LogoutModel(Sessions sessions, ILogger<LogoutModel> logger) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("~/");

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.FindFirst(UserAccount.SessionClaim)?.Value is { } token && await sessions.EndAsync(token, HttpContext.RequestAborted, HttpContext.Actor()))
            logger.LogInformation("{UserName} signed out", User.Identity?.Name);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return RedirectToPage("/Account/Login");
    }
}
