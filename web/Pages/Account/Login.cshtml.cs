using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace JobTracker.Web.Pages.Account;

/// <summary>
/// The sign-in form. Its POST is rate limited per client and per user name (<see cref="SignInLimits"/>);
/// a locked account has no password checked until its lock ends; a right password starts a server-side
/// session (<see cref="Sessions"/>) whose token the cookie carries.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(SignInLimits.Policy)]
public sealed class LoginModel(
    Database database, Sessions sessions, SignInLockout lockout, ActivityTrail activity, UserAdministration users, UserTimeZones timeZones,
    IPasswordHasher<UserAccount> hasher, ILogger<LoginModel> logger) : PageModel
{
    public const string WrongPassword = "The user name or password is not right.";
    public const string Disabled = "This account is disabled. Ask an admin to enable it.";

    public sealed class LoginInput
    {
        public string UserName { get; set; } = "";
        public string Password { get; set; } = "";

        /// <summary>The browser's time zone (IANA id), as site.js reads it; blank without JavaScript.</summary>
        public string? TimeZone { get; set; }
    }

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    public string? ReturnUrl { get; private set; }

    public string? Error { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? returnUrl)
    {
        ReturnUrl = returnUrl;
        if (HttpContext.Refusal() is { } refusal)
        {
            Error = refusal;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        var cancellationToken = HttpContext.RequestAborted;
        UserAccount? user;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            user = await connection.QuerySingleOrDefaultAsync<UserAccount>(
                $"SELECT {UserAccount.Columns} FROM users WHERE user_name = @UserName", new { Input.UserName });
        }

        // A locked account: no password is checked (no hashing work) until the lock ends.
        if (user?.LockedUntil is { } lockedUntil && lockedUntil > DateTime.UtcNow)
        {
            logger.LogWarning("Sign-in for {UserName} refused: locked until {LockedUntil:u}", user.UserName, lockedUntil);
            Error = Locked(lockedUntil, UserTimeZones.OrUtc(user.TimeZone));
            return Page();
        }

        // Hash even for an unknown user, so the answer takes as long either way.
        var result = hasher.VerifyHashedPassword(user ?? new UserAccount(), user?.PasswordHash ?? UnknownUserHash, Input.Password);
        if (user is null || result == PasswordVerificationResult.Failed)
        {
            logger.LogWarning("Failed sign-in for {UserName}", Input.UserName);
            var tried = ActivityActor.InConsole(null, Input.UserName ?? "", ActivityActors.Address(HttpContext));
            if (user is null)
                await activity.RecordAsync(tried, ActivityActions.SignInFailed, ActivityObjects.User, null, Input.UserName, null, "unknown user name", cancellationToken);
            Error = user is not null && await lockout.RecordFailureAsync(user.Id, cancellationToken, tried) is { } until
                ? Locked(until, UserTimeZones.OrUtc(user.TimeZone))
                : WrongPassword;
            return Page();
        }
        if (user.DisabledAt is not null)
        {
            logger.LogWarning("Sign-in for {UserName} refused: the account is disabled", user.UserName);
            Error = Disabled;
            return Page();
        }
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user = user with { PasswordHash = hasher.HashPassword(user, Input.Password) };
            await users.RehashPasswordAsync(user.Id, user.PasswordHash, cancellationToken);
        }

        // The first sign-in from a browser that names its zone gives the user that zone; a chosen one stays.
        if (user.TimeZone is null) await timeZones.SetIfUnsetAsync(user.Id, Input.TimeZone, cancellationToken);

        var token = await sessions.StartAsync(user.Id, HttpContext.Connection.RemoteIpAddress?.ToString(), Request.Headers.UserAgent.ToString(), cancellationToken,
            ActivityActor.InConsole(user.Id, user.UserName, ActivityActors.Address(HttpContext)));
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, user.ToPrincipal(token));
        logger.LogInformation("{UserName} signed in", user.UserName);
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "~/");
    }

    /// <summary>What the form says of a locked account, the time in the user's zone.</summary>
    public static string Locked(DateTime until, NodaTime.DateTimeZone timeZone) =>
        $"This account is locked after too many wrong passwords, until {TimeDisplay.Format(until, timeZone)}. Try again then, or ask an admin to enable it.";

    private static readonly string UnknownUserHash = new PasswordHasher<UserAccount>().HashPassword(new UserAccount(), Guid.NewGuid().ToString());
}
