using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
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

        builder.Services.AddSignInLimits();
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
                options.ExpireTimeSpan = builder.Configuration.GetSection(SignInSettings.Section).Get<SignInSettings>()?.SessionIdleTimeout
                    ?? new SignInSettings().SessionIdleTimeout;
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = ValidateSessionAsync;
                options.Events.OnRedirectToLogin = context => RedirectAsync(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => RedirectAsync(context, StatusCodes.Status403Forbidden);
            });
        // After the cookie handler's own set-up, which makes the format from Data Protection.
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .PostConfigure(options => options.TicketDataFormat = new KeptTicketFormat(options.TicketDataFormat, TimeProvider.System));

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
    /// or a generated one that is written once to the console (standard error), never to a log sink.
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
        {
            // Straight to the console, past Serilog: the rolling file log (and any other sink) never holds it.
            await Console.Error.WriteLineAsync(
                $"FIRST START: created the user 'admin' with the generated password {password} . " +
                "It is shown only this once, here on the console. Sign in and change it (Password, top right), or set " +
                "JobTracker:Admin:Password (environment variable JobTracker__Admin__Password) before the first start next time.");
            await Console.Error.FlushAsync();
            app.Logger.LogWarning("First start: created the user 'admin' with a generated password, written to the console only");
        }
        else
            app.Logger.LogInformation("First start: created the user 'admin' with the password from JobTracker:Admin:Password");
    }

    /// <summary>
    /// A cookie stays good only while its server-side session is live (not signed out or ended, used
    /// recently enough, its user not disabled). A changed name or role takes effect at once: the cookie
    /// is re-issued with the user as the users table has them now.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var token = principal?.FindFirstValue(UserAccount.SessionClaim);
        var session = token is null
            ? null
            : await context.HttpContext.RequestServices.GetRequiredService<Sessions>().FindLiveAsync(token, context.HttpContext.RequestAborted);
        if (principal is null || token is null || session is null
            || principal.FindFirstValue(ClaimTypes.NameIdentifier) != session.UserId.ToString(CultureInfo.InvariantCulture))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.HttpContext.SetSession(session);
        if (principal.FindFirstValue(ClaimTypes.Name) != session.UserName || !principal.IsInRole(session.Role))
        {
            context.ReplacePrincipal(UserAccount.Principal(session.UserId, session.UserName, session.Role, token));
            context.ShouldRenew = true;
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
