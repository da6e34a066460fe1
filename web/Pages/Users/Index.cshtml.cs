using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Pages.Users;

/// <summary>
/// User accounts (admins): list with role, state and live sessions, and add a user with a role. Each user's
/// own page (<see cref="DetailsModel"/>) changes the role, disables, resets the password and ends sessions.
/// <see cref="UserAdministration"/> checks and stores the changes; passwords are hashed here, with ASP.NET Core Identity's hasher.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class IndexModel(Database database, UserAdministration users, IPasswordHasher<UserAccount> hasher, IOptions<SignInSettings> signIn) : PageModel
{
    public sealed record UserLine
    {
        public long Id { get; init; }
        public string UserName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? DisabledAt { get; init; }
        public DateTime? LockedUntil { get; init; }
        public long Sessions { get; init; }
        public DateTime? LastSignInAt { get; init; }
    }

    public sealed class NewUserInput
    {
        public string UserName { get; set; } = "";
        public string Role { get; set; } = Roles.Viewer;
        public string Password { get; set; } = "";
    }

    public IReadOnlyList<UserLine> Users { get; private set; } = [];

    public NewUserInput NewUser { get; private set; } = new();

    public int MinimumPasswordLength => users.MinimumPasswordLength;

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
                User.Identity?.Name ?? "unknown", cancellationToken, HttpContext.Actor());
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

    private async Task LoadAsync()
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        Users = (await connection.QueryAsync<UserLine>("""
            SELECT u.id AS Id, u.user_name AS UserName, u.role AS Role, u.created_at AS CreatedAt,
                   u.disabled_at AS DisabledAt, u.locked_until AS LockedUntil,
                   (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL AND s.last_seen_at > @IdleCutoff) AS Sessions,
                   (SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS LastSignInAt
              FROM users u
             ORDER BY u.user_name
            """, new { IdleCutoff = DateTime.UtcNow - signIn.Value.SessionIdleTimeout })).AsList();
    }
}
