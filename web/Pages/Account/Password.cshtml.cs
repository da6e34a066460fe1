using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Account;

/// <summary>
/// Any signed-in user changes their own password, giving the current one. A wrong current password counts
/// towards the lockout like a wrong sign-in. The change ends the user's other sessions; this one goes on.
/// </summary>
public sealed class PasswordModel(
    Database database, UserAdministration users, SignInLockout lockout, IPasswordHasher<UserAccount> hasher, TimeDisplay times,
    ILogger<PasswordModel> logger) : PageModel
{
    public sealed class PasswordInput
    {
        public string CurrentPassword { get; set; } = "";
        public string NewPassword { get; set; } = "";
        public string ConfirmPassword { get; set; } = "";
    }

    public int MinimumPasswordLength => users.MinimumPasswordLength;

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(PasswordInput input)
    {
        var cancellationToken = HttpContext.RequestAborted;
        var session = HttpContext.SignInSession();
        if (session is null) return Challenge();
        UserAccount? account;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            account = await connection.QuerySingleOrDefaultAsync<UserAccount>(
                $"SELECT {UserAccount.Columns} FROM users WHERE id = @UserId", new { session.UserId });
        }
        if (account is null) return Challenge();

        if (input.NewPassword != input.ConfirmPassword)
        {
            ModelState.AddModelError("ConfirmPassword", "The new password and its confirmation differ.");
            return Page();
        }
        if (account.LockedUntil is { } lockedUntil && lockedUntil > DateTime.UtcNow)
        {
            ModelState.AddModelError("CurrentPassword", LoginModel.Locked(lockedUntil, times.Zone));
            return Page();
        }
        if (hasher.VerifyHashedPassword(account, account.PasswordHash, input.CurrentPassword ?? "") == PasswordVerificationResult.Failed)
        {
            logger.LogWarning("{UserName} gave a wrong current password to change it", account.UserName);
            var until = await lockout.RecordFailureAsync(account.Id, cancellationToken, HttpContext.Actor(), "wrong current password to change it");
            ModelState.AddModelError("CurrentPassword", until is { } locked ? LoginModel.Locked(locked, times.Zone) : "The current password is not right.");
            return Page();
        }
        try
        {
            await users.ChangeOwnPasswordAsync(account.Id, session.Id, input.NewPassword, password => hasher.HashPassword(account, password), cancellationToken, HttpContext.Actor());
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems);
            return Page();
        }
        Message = "Your password is changed. Your other sessions are signed out; this one goes on.";
        return Page();
    }
}
