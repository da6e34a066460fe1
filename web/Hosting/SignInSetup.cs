using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Jobs.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Hosting;

/// <summary>
/// What each role may do. Everyone signed in sees every page (the fallback policy);
/// support staff may also download audit logs and original files; admins may change things.
/// </summary>
public static class Policies
{
    /// <summary>Import, stop jobs, create and edit workspaces and collections, manage users: admin.</summary>
    public const string CanChange = "CanChange";

    /// <summary>Download audit logs and original files: admin and support (not viewer).</summary>
    public const string CanDownload = "CanDownload";
}

/// <summary>A row of the users table, as the password hasher and sign-in see it.</summary>
public sealed record UserAccount
{
    public long Id { get; init; }
    public string UserName { get; init; } = "";
    public string Role { get; init; } = "";
    public string PasswordHash { get; init; } = "";

    public const string Columns = "id AS Id, user_name AS UserName, role AS Role, password_hash AS PasswordHash";

    private const string StampClaim = "jobtracker:stamp";

    /// <summary>The cookie's identity: name, role, and a stamp of the password hash so that a password reset signs the old sessions out.</summary>
    public ClaimsPrincipal ToPrincipal() => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, UserName),
            new Claim(ClaimTypes.Role, Role),
            new Claim(StampClaim, Stamp),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));

    private string Stamp => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(PasswordHash)), 0, 8);

    public bool IsSameSessionAs(ClaimsPrincipal principal) =>
        principal.FindFirstValue(StampClaim) == Stamp && principal.FindFirstValue(ClaimTypes.Name) == UserName && principal.IsInRole(Role);
}

public static class SignInSetup
{
    public static WebApplicationBuilder AddJobTrackerSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();

        // The keys that protect sign-in cookies and antiforgery tokens live in the database, under one
        // application name: a restart signs nobody out, and every node accepts every node's cookies.
        builder.Services.AddDataProtection().SetApplicationName("JobTracker");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<KeyStore>((options, keys) => options.XmlRepository = new DatabaseXmlRepository(keys));

        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "JobTracker.SignIn";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.LoginPath = "/Account/Login";
                options.LogoutPath = "/Account/Logout";
                options.AccessDeniedPath = "/Account/AccessDenied";
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = ValidateAgainstUsersTableAsync;
                options.Events.OnRedirectToLogin = context => RedirectAsync(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => RedirectAsync(context, StatusCodes.Status403Forbidden);
            });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.CanChange, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(Policies.CanDownload, policy => policy.RequireRole(Roles.Admin, Roles.Support));
        return builder;
    }

    /// <summary>
    /// Makes sure the database holds a key that protects cookies now, creating it under the database's
    /// start-up (migration) lock. Without this, nodes starting at once on an empty (or expired) key ring
    /// each create a key of their own, and as a node reads the ring again only about once a day, a cookie
    /// issued by one node would be refused by the others until then.
    /// </summary>
    public static void CreateSigningKeyOnce(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        var keys = app.Services.GetRequiredService<IKeyManager>();
        using var startLock = database.Provider.LockMigrations(database);
        var now = DateTimeOffset.UtcNow;
        if (keys.GetAllKeys().Any(key => !key.IsRevoked && key.ActivationDate <= now && key.ExpirationDate > now)) return;
        var lifetime = app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime;
        keys.CreateNewKey(now, now + lifetime);
    }

    /// <summary>
    /// On first start there is no user: creates "admin" with the password from JobTracker:Admin:Password,
    /// or a generated one that is logged once.
    /// </summary>
    public static async Task SeedFirstAdminAsync(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync())
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users") > 0) return;
        }

        var configured = app.Configuration["JobTracker:Admin:Password"];
        var password = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20) : configured;
        var admin = new UserAccount { UserName = "admin", Role = Roles.Admin };
        var hash = app.Services.GetRequiredService<IPasswordHasher<UserAccount>>().HashPassword(admin, password);

        var created = await app.Services.GetRequiredService<UserAdministration>().AddFirstAdminAsync(admin.UserName, hash);
        if (!created) return;

        if (string.IsNullOrEmpty(configured))
            app.Logger.LogWarning(
                "FIRST START: created the user 'admin' with the generated password {AdminPassword} . " +
                "It is shown only this once. Sign in and keep it safe, or set JobTracker:Admin:Password " +
                "(environment variable JobTracker__Admin__Password) before the first start next time.", password);
        else
            app.Logger.LogInformation("First start: created the user 'admin' with the password from JobTracker:Admin:Password");
    }

    /// <summary>A cookie stays good only while its user exists with the same name, role and password.</summary>
    private static async Task ValidateAgainstUsersTableAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null || !long.TryParse(context.Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            context.RejectPrincipal();
            return;
        }
        var database = context.HttpContext.RequestServices.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync(context.HttpContext.RequestAborted);
        var user = await connection.QuerySingleOrDefaultAsync<UserAccount>(
            $"SELECT {UserAccount.Columns} FROM users WHERE id = @id", new { id });
        if (user is null || !user.IsSameSessionAs(context.Principal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>
    /// A browser navigation is redirected as usual. An htmx request (a poll whose session ran out)
    /// gets the status code and an HX-Redirect, so htmx navigates instead of swapping the login page into a table.
    /// </summary>
    private static Task RedirectAsync(RedirectContext<CookieAuthenticationOptions> context, int statusCode)
    {
        if (context.Request.IsHtmx())
        {
            var location = context.RedirectUri;
            if (statusCode == StatusCodes.Status401Unauthorized && context.Request.Headers["HX-Current-URL"].FirstOrDefault() is { } current
                && Uri.TryCreate(current, UriKind.Absolute, out var currentUri))
            {
                // Come back to the page the user was on, not to the partial's URL.
                location = QueryString.Create("ReturnUrl", currentUri.PathAndQuery).ToUriComponent();
                location = context.Options.LoginPath + location;
            }
            context.Response.StatusCode = statusCode;
            context.Response.HxRedirect(location);
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
