using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using JobTracker.Jobs.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Api;

/// <summary>
/// The REST API's only way in: <c>Authorization: Bearer &lt;personal API token&gt;</c>. The token acts as its
/// user with the user's role as it is now (<see cref="ApiTokens.FindLiveAsync"/>); a revoked token, or one
/// whose user is disabled, is refused. Only the API's endpoints use this scheme and the pages never do, so
/// a sign-in cookie opens nothing under /api (no cross-site request can act through the API) and a token
/// opens no page. A refusal is a problem details answer (401 with <c>WWW-Authenticate: Bearer</c>, or 403).
/// </summary>
public sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>The claim that names the token a request came with.</summary>
    public const string TokenClaim = "jobtracker:api-token";

    /// <summary>The claim that names the token by its name (for the activity trail's "API token &lt;name&gt;").</summary>
    public const string TokenNameClaim = "jobtracker:api-token-name";

    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0) return AuthenticateResult.NoResult();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("The Authorization header must read \"Bearer <token>\", with a personal API token.");

        var user = await tokens.FindLiveAsync(header[BearerPrefix.Length..].Trim(), Context.RequestAborted);
        if (user is null)
        {
            Logger.LogInformation("API request to {Path} with an unknown or revoked API token (or its user is disabled)", Request.Path);
            return AuthenticateResult.Fail("The API token is not valid: it is unknown or revoked, or its user is disabled.");
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.UserId.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(TokenClaim, user.TokenId.ToString(CultureInfo.InvariantCulture)),
                new Claim(TokenNameClaim, user.TokenName),
            ],
            SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await ApiProblems.Write(Context, StatusCodes.Status401Unauthorized, result.Failure?.Message
            ?? "This API needs a personal API token: send \"Authorization: Bearer <token>\". Create a token on your API tokens page in the console.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.Write(Context, StatusCodes.Status403Forbidden,
            $"The role {Context.User.FindFirstValue(ClaimTypes.Role) ?? "of this token's user"} may not do this: {ApiProblems.WhoMay(Context)}");
}
