using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

[AllowAnonymous]
public sealed class LoginModel(Database database, UserAdministration users, IPasswordHasher<UserAccount> hasher, ILogger<LoginModel> logger) : PageModel
{
    public sealed class LoginInput
    {
        public string UserName { get; set; } = "";
        public string Password { get; set; } = "";
    }

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    public string? ReturnUrl { get; private set; }

    public string? Error { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? returnUrl)
    {
        ReturnUrl = returnUrl;
        UserAccount? user;
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            user = await connection.QuerySingleOrDefaultAsync<UserAccount>(
                $"SELECT {UserAccount.Columns} FROM users WHERE user_name = @UserName", new { Input.UserName });
        }

        // Hash even for an unknown user, so the answer takes as long either way.
        var result = hasher.VerifyHashedPassword(user ?? new UserAccount(), user?.PasswordHash ?? UnknownUserHash, Input.Password);
        if (user is null || result == PasswordVerificationResult.Failed)
        {
            logger.LogWarning("Failed sign-in for {UserName}", Input.UserName);
            Error = "The user name or password is not right.";
            return Page();
        }
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user = user with { PasswordHash = hasher.HashPassword(user, Input.Password) };
            await users.RehashPasswordAsync(user.Id, user.PasswordHash, HttpContext.RequestAborted);
        }

        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, user.ToPrincipal());
        logger.LogInformation("{UserName} signed in", user.UserName);
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "~/");
    }

    private static readonly string UnknownUserHash = new PasswordHasher<UserAccount>().HashPassword(new UserAccount(), Guid.NewGuid().ToString());
}
