using System.Security.Claims;
using Dapper;
using JobTracker.Db;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Users;

/// <summary>User accounts (admins): list, add with a role, reset a password.</summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class IndexModel(Database database, IPasswordHasher<UserAccount> hasher, ILogger<IndexModel> logger) : PageModel
{
    public const int MinimumPasswordLength = 8;

    public sealed record UserLine
    {
        public long Id { get; init; }
        public string UserName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    public sealed class NewUserInput
    {
        public string UserName { get; set; } = "";
        public string Role { get; set; } = Roles.Viewer;
        public string Password { get; set; } = "";
    }

    public IReadOnlyList<UserLine> Users { get; private set; } = [];

    public NewUserInput NewUser { get; private set; } = new();

    public string? Message { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync(NewUserInput input)
    {
        NewUser = input;
        var userName = input.UserName.Trim();
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (userName.Length == 0)
            ModelState.AddModelError("UserName", "Enter a user name.");
        else if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE user_name = @userName", new { userName }) > 0)
            ModelState.AddModelError("UserName", $"There is already a user named \"{userName}\".");
        if (!Roles.All.Contains(input.Role))
            ModelState.AddModelError("Role", "Choose a role: admin, support or viewer.");
        if (input.Password.Length < MinimumPasswordLength)
            ModelState.AddModelError("Password", $"The password needs at least {MinimumPasswordLength} characters.");
        if (!ModelState.IsValid)
        {
            await LoadAsync();
            return Page();
        }

        var account = new UserAccount { UserName = userName, Role = input.Role };
        await connection.ExecuteAsync(
            "INSERT INTO users (user_name, password_hash, role, created_at) VALUES (@UserName, @Hash, @Role, @Now)",
            new { account.UserName, Hash = hasher.HashPassword(account, input.Password), account.Role, Now = DateTime.UtcNow });
        logger.LogInformation("{Admin} added the user {UserName} with the role {Role}", User.Identity?.Name, userName, input.Role);
        Message = $"Added {userName} ({input.Role}).";
        NewUser = new NewUserInput();
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(long userId, string? newPassword)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var account = await connection.QuerySingleOrDefaultAsync<UserAccount>(
            $"SELECT {UserAccount.Columns} FROM users WHERE id = @userId", new { userId });
        if (account is null) return NotFound();
        if (newPassword is null || newPassword.Length < MinimumPasswordLength)
        {
            ModelState.AddModelError("newPassword", $"The new password for {account.UserName} needs at least {MinimumPasswordLength} characters.");
            await LoadAsync();
            return Page();
        }

        account = account with { PasswordHash = hasher.HashPassword(account, newPassword) };
        await connection.ExecuteAsync("UPDATE users SET password_hash = @PasswordHash WHERE id = @Id", new { account.PasswordHash, account.Id });
        logger.LogInformation("{Admin} reset the password of {UserName}", User.Identity?.Name, account.UserName);
        Message = $"The password of {account.UserName} is reset; their other sessions are signed out.";

        // The cookie carries a stamp of the password: an admin who resets their own stays signed in here.
        if (User.FindFirstValue(ClaimTypes.NameIdentifier) == account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, account.ToPrincipal());
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        Users = (await connection.QueryAsync<UserLine>(
            "SELECT id AS Id, user_name AS UserName, role AS Role, created_at AS CreatedAt FROM users ORDER BY user_name")).AsList();
    }
}
