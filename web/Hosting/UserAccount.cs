using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace JobTracker.Web.Hosting;

/// <summary>A row of the users table, as the password hasher and sign-in see it.</summary>
public sealed record UserAccount
{
    public long Id { get; init; }
    public string UserName { get; init; } = "";
    public string Role { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public DateTime? LockedUntil { get; init; }
    public DateTime? DisabledAt { get; init; }
    public string? TimeZone { get; init; }

    public const string Columns =
        "id AS Id, user_name AS UserName, role AS Role, password_hash AS PasswordHash, locked_until AS LockedUntil, disabled_at AS DisabledAt, time_zone AS TimeZone";

    /// <summary>The claim that carries the session's token (the sessions table keeps only its hash).</summary>
    public const string SessionClaim = "jobtracker:session";

    /// <summary>The cookie's identity: the user's id, name and role, and the token of their server-side session.</summary>
    public static ClaimsPrincipal Principal(long id, string userName, string role, string sessionToken) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, userName),
            new Claim(ClaimTypes.Role, role),
            new Claim(SessionClaim, sessionToken),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));

    public ClaimsPrincipal ToPrincipal(string sessionToken) => Principal(Id, UserName, Role, sessionToken);
}
