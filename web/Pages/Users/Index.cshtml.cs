using System.Security.Claims;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Users;

/// <summary>
/// User accounts (admins): list, add with a role, reset a password. <see cref="UserAdministration"/>
/// checks and stores the changes; passwords are hashed here, with ASP.NET Core Identity's hasher.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class IndexModel(Database database, UserAdministration users, IPasswordHasher<UserAccount> hasher) : PageModel
{
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
        var cancellationToken = HttpContext.RequestAborted;
        NewUser = input;
        var account = new UserAccount { UserName = input.UserName?.Trim() ?? "", Role = input.Role };
        if (!ModelState.IsValid)
        {
            // The form did not bind (the framework says why): say what else is wrong, and change nothing.
            ModelState.AddProblems(await users.CheckNewUserAsync(input.UserName, input.Role, input.Password, cancellationToken));
            await LoadAsync();
            return Page();
        }
        try
        {
            await users.AddAsync(input.UserName, input.Role, input.Password, password => hasher.HashPassword(account, password),
                User.Identity?.Name ?? "unknown", cancellationToken);
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems);
            await LoadAsync();
            return Page();
        }
        Message = $"Added {account.UserName} ({input.Role}).";
        NewUser = new NewUserInput();
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(long userId, string? newPassword)
    {
        var cancellationToken = HttpContext.RequestAborted;
        UserAccount? account;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            account = await connection.QuerySingleOrDefaultAsync<UserAccount>(
                $"SELECT {UserAccount.Columns} FROM users WHERE id = @userId", new { userId });
        }
        if (account is null) return NotFound();

        string? hash;
        try
        {
            hash = await users.ResetPasswordAsync(account.Id, newPassword, password => hasher.HashPassword(account, password),
                User.Identity?.Name ?? "unknown", cancellationToken);
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, field => "newPassword");
            await LoadAsync();
            return Page();
        }
        if (hash is null) return NotFound();
        account = account with { PasswordHash = hash };
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
