using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

/// <summary>
/// A signed-in user's own settings, one section each: their time zone (every page shows times in it)
/// their personal API tokens (the section's forms post to the Tokens page) and a link to change their
/// password. Any role may change their own settings.
/// </summary>
public sealed class SettingsModel(Database database, UserTimeZones timeZones, TimeDisplay times) : PageModel
{
    /// <summary>The API tokens section: the user's tokens.</summary>
    public ApiTokensSection ApiTokens { get; private set; } = new([], null, null);

    /// <summary>The zone as the form shows it: the one typed (after a refusal) or the user's own.</summary>
    public string TimeZone { get; private set; } = "";

    /// <summary>True when the user has picked no zone yet (pages show UTC).</summary>
    public bool NoTimeZoneYet { get; private set; }

    /// <summary>The time now, as pages show it to this user.</summary>
    public string Now => times.Text(DateTime.UtcNow);

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var session = HttpContext.SignInSession();
        if (session is null) return Challenge();
        await LoadTokensAsync(session.UserId);
        NoTimeZoneYet = UserTimeZones.Find(session.TimeZone) is null;
        TimeZone = NoTimeZoneYet ? "" : session.TimeZone!;
        return Page();
    }

    public async Task<IActionResult> OnPostTimeZoneAsync(string? timeZone)
    {
        var session = HttpContext.SignInSession();
        if (session is null) return Challenge();
        try
        {
            var stored = await timeZones.SetAsync(session.UserId, timeZone, HttpContext.RequestAborted, HttpContext.Actor());
            Message = $"Your time zone is now {stored}: every page shows times in it.";
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems);
            TimeZone = timeZone ?? "";
            NoTimeZoneYet = UserTimeZones.Find(session.TimeZone) is null;
            await LoadTokensAsync(session.UserId);
            return Page();
        }
        return RedirectToPage();
    }

    private async Task LoadTokensAsync(long userId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        ApiTokens = new(await TokensModel.ReadAsync(connection, userId), null, null);
    }
}
