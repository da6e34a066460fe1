using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using JobTracker.Jobs.Users;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace JobTracker.Web.Hosting;

/// <summary>
/// ASP.NET Core rate limiting on the sign-in form's POST: per client address (the "sign-in" policy on the
/// Login page) and per user name (the global limiter, which lets every other request through), each a
/// fixed window of <see cref="SignInSettings.Window"/>. A refused attempt gets 429 and the sign-in form
/// with the message, and costs no database read and no password hashing.
/// </summary>
public static class SignInLimits
{
    /// <summary>The rate limiting policy of the Login page ([EnableRateLimiting]).</summary>
    public const string Policy = "sign-in";

    private static readonly object RefusalKey = new();

    /// <summary>The message for a sign-in refused by a rate limit in this request, or null.</summary>
    public static string? Refusal(this HttpContext context) => context.Items.TryGetValue(RefusalKey, out var message) ? message as string : null;

    public static IServiceCollection AddSignInLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SignInSettings>, ILoggerFactory>((limiter, signIn, loggers) =>
        {
            var settings = signIn.Value;
            var logger = loggers.CreateLogger(typeof(SignInLimits).FullName!);
            limiter.AddPolicy(Policy, new ClientPolicy(settings, logger));
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                settings.UserNamePermits > 0 && PostedUserName(context) is { } userName
                    ? RateLimitPartition.GetFixedWindowLimiter("user:" + userName.Trim().ToUpperInvariant(), _ => Window(settings.UserNamePermits, settings))
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = (rejected, _) => ShowFormAsync(rejected, "for this user name", settings, logger);
        });
        return services;
    }

    /// <summary>
    /// The limits, in the request pipeline (after routing, so the Login page's policy is known), for the sign-in
    /// form's POST only: both limiters let everything else through anyway, and the global one takes a lock on every
    /// request it sees (a profile of 200 clients polling showed it contended). The form is read first, so the
    /// per-user-name limiter finds the posted name.
    /// </summary>
    public static WebApplication UseJobTrackerSignInLimits(this WebApplication app)
    {
        app.UseWhen(IsSignInPost, signIn =>
        {
            signIn.Use(async (context, next) =>
            {
                if (context.Request.HasFormContentType) await context.Request.ReadFormAsync(context.RequestAborted);
                await next(context);
            });
            signIn.UseRateLimiter();
        });
        return app;
    }

    private static bool IsSignInPost(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == Policy;

    private static string? PostedUserName(HttpContext context) =>
        IsSignInPost(context) && context.Features.Get<IFormFeature>()?.Form is { } form ? form["Input.UserName"].ToString() : null;

    private static FixedWindowRateLimiterOptions Window(int permits, SignInSettings settings) => new()
    {
        PermitLimit = permits,
        Window = settings.Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Says why on the sign-in form: the page runs as usual but only shows the message (429).</summary>
    private static async ValueTask ShowFormAsync(OnRejectedContext rejected, string scope, SignInSettings settings, ILogger logger)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : settings.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Items[RefusalKey] = $"Too many sign-in attempts {scope}. Try again in {seconds} seconds.";
        logger.LogWarning("Sign-in refused by the rate limit {Scope} (client {ClientAddress}, user name {UserName})",
            scope, context.Connection.RemoteIpAddress, PostedUserName(context));
        if (context.GetEndpoint()?.RequestDelegate is { } page) await page(context);
    }

    /// <summary>An IPv4 address as it is; an IPv6 address by its /64 network, which one client usually holds whole.</summary>
    private static string ClientKey(IPAddress? address)
    {
        if (address is null) return "client:unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "client:" + address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return "client:" + new IPAddress(bytes) + "/64";
    }

    private sealed class ClientPolicy(SignInSettings settings, ILogger logger) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected =>
            (rejected, _) => ShowFormAsync(rejected, "from here", settings, logger);

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            settings.ClientPermits > 0 && HttpMethods.IsPost(httpContext.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(ClientKey(httpContext.Connection.RemoteIpAddress), _ => Window(settings.ClientPermits, settings))
                : RateLimitPartition.GetNoLimiter("");
    }
}
