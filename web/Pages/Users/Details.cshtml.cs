using System.Globalization;
using System.Security.Claims;
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
/// One user (admins): change the role, disable or enable, reset the password, see the live sessions and
/// end them. The changes go through <see cref="UserAdministration"/> and <see cref="Sessions"/>.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class DetailsModel(
    Database database, UserAdministration users, Sessions sessions, IPasswordHasher<UserAccount> hasher, IOptions<SignInSettings> signIn) : PageModel
{
    public sealed record UserView
    {
        public long Id { get; init; }
        public string UserName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? DisabledAt { get; init; }
        public DateTime? LockedUntil { get; init; }
        public int FailedSignIns { get; init; }
    }

    public sealed record SessionLine
    {
        public long Id { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime LastSeenAt { get; init; }
        public string? ClientAddress { get; init; }
        public string? UserAgent { get; init; }
    }

    public UserView Account { get; private set; } = new();

    public IReadOnlyList<SessionLine> ActiveSessions { get; private set; } = [];

    /// <summary>The session this request comes from (marked "this session").</summary>
    public long? CurrentSessionId => HttpContext.SignInSession()?.Id;

    public int MinimumPasswordLength => users.MinimumPasswordLength;

    public string? Message { get; private set; }

    private string Admin => User.Identity?.Name ?? "unknown";

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : NotFound();

    public Task<IActionResult> OnPostRoleAsync(long id, string? role) =>
        ChangeAsync(id, "Role", async cancellationToken =>
        {
            if (!await users.ChangeRoleAsync(id, role, Admin, cancellationToken, HttpContext.Actor())) return null;
            return $"{Account.UserName} now has the role {role}.";
        });

    public Task<IActionResult> OnPostDisableAsync(long id) =>
        ChangeAsync(id, "", async cancellationToken =>
            await users.SetDisabledAsync(id, true, Admin, cancellationToken, HttpContext.Actor())
                ? $"{Account.UserName} is disabled: their sessions are ended and they cannot sign in."
                : null);

    public Task<IActionResult> OnPostEnableAsync(long id) =>
        ChangeAsync(id, "", async cancellationToken =>
            await users.SetDisabledAsync(id, false, Admin, cancellationToken, HttpContext.Actor()) ? $"{Account.UserName} is enabled and can sign in." : null);

    public Task<IActionResult> OnPostResetPasswordAsync(long id, string? newPassword) =>
        ChangeAsync(id, "newPassword", async cancellationToken =>
        {
            var account = new UserAccount { Id = id, UserName = Account.UserName, Role = Account.Role };
            var own = User.FindFirstValue(ClaimTypes.NameIdentifier) == id.ToString(CultureInfo.InvariantCulture);
            var hash = await users.ResetPasswordAsync(id, newPassword, password => hasher.HashPassword(account, password), Admin,
                own ? CurrentSessionId : null, cancellationToken, HttpContext.Actor());
            return hash is null ? null : $"The password of {Account.UserName} is reset; their other sessions are signed out.";
        });

    public Task<IActionResult> OnPostEndSessionAsync(long id, long sessionId) =>
        ChangeAsync(id, "", async cancellationToken =>
            await sessions.EndAsync(id, sessionId, Admin, cancellationToken, HttpContext.Actor())
                ? $"Session {sessionId} of {Account.UserName} is ended: its cookie no longer works."
                : $"Session {sessionId} of {Account.UserName} had already ended.");

    public Task<IActionResult> OnPostEndAllSessionsAsync(long id) =>
        ChangeAsync(id, "", async cancellationToken =>
        {
            var ended = await sessions.EndAllAsync(id, Admin, cancellationToken, HttpContext.Actor());
            return $"Ended {ended} session{(ended == 1 ? "" : "s")} of {Account.UserName}.";
        });

    /// <summary>Loads the user (404 when there is none), makes the change, and shows the page with its message or the refusal.</summary>
    private async Task<IActionResult> ChangeAsync(long id, string field, Func<CancellationToken, Task<string?>> change)
    {
        if (!await LoadAsync(id)) return NotFound();
        try
        {
            Message = await change(HttpContext.RequestAborted);
            if (Message is null) return NotFound();
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, problemField => problemField.Length == 0 ? "" : field);
        }
        await LoadAsync(id);
        return Page();
    }

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var account = await connection.QuerySingleOrDefaultAsync<UserView>("""
            SELECT id AS Id, user_name AS UserName, role AS Role, created_at AS CreatedAt, disabled_at AS DisabledAt,
                   locked_until AS LockedUntil, failed_sign_ins AS FailedSignIns
              FROM users WHERE id = @id
            """, new { id });
        if (account is null) return false;
        Account = account;
        ActiveSessions = (await connection.QueryAsync<SessionLine>("""
            SELECT id AS Id, created_at AS CreatedAt, last_seen_at AS LastSeenAt, client_address AS ClientAddress, user_agent AS UserAgent
              FROM sessions
             WHERE user_id = @id AND ended_at IS NULL AND last_seen_at > @IdleCutoff
             ORDER BY last_seen_at DESC, id DESC
            """, new { id, IdleCutoff = DateTime.UtcNow - signIn.Value.SessionIdleTimeout })).AsList();
        return true;
    }
}
