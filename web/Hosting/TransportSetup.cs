using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Hosting;

/// <summary>
/// TLS and proxies, all off unless configured. <c>JobTracker:Https:Enabled</c> says the console is
/// reached over HTTPS (directly or through a proxy that terminates TLS): every cookie is then
/// <c>Secure</c>, HTTP requests are redirected to HTTPS and HTTPS answers carry HSTS.
/// <c>JobTracker:ForwardedHeaders:Enabled</c> trusts X-Forwarded-For and X-Forwarded-Proto from
/// known proxies (loopback unless listed), so that behind a proxy the scheme and the client's
/// address are the ones the proxy saw.
/// </summary>
public static class TransportSetup
{
    public const string HttpsSection = "JobTracker:Https";
    public const string ForwardedHeadersSection = "JobTracker:ForwardedHeaders";

    public static WebApplicationBuilder AddJobTrackerTransport(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var https = IsHttpsEnabled(configuration);

        // Secure cookies over TLS; otherwise Secure exactly when the request came over HTTPS (the
        // antiforgery cookie's own default would never be Secure). PostConfigure: whatever sign-in set up.
        var secure = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme,
            options => options.Cookie.SecurePolicy = secure);
        builder.Services.PostConfigure<AntiforgeryOptions>(options => options.Cookie.SecurePolicy = secure);
        builder.Services.PostConfigure<CookieTempDataProviderOptions>(options => options.Cookie.SecurePolicy = secure);

        if (https)
        {
            var section = configuration.GetSection(HttpsSection);
            var maxAgeDays = section.GetValue("HstsMaxAgeDays", 365);
            if (maxAgeDays < 0) throw new InvalidOperationException($"{HttpsSection}:HstsMaxAgeDays must be 0 or more days, not {maxAgeDays}.");
            builder.Services.AddHsts(options =>
            {
                options.MaxAge = TimeSpan.FromDays(maxAgeDays);
                options.IncludeSubDomains = section.GetValue("HstsIncludeSubDomains", false);
            });
            builder.Services.AddHttpsRedirection(options => options.HttpsPort = section.GetValue<int?>("Port"));
        }

        if (IsForwardedHeadersEnabled(configuration))
        {
            var section = configuration.GetSection(ForwardedHeadersSection);
            var proxies = List(section.GetSection("KnownProxies")).Select(value => ParseAddress(value, "KnownProxies")).ToList();
            var networks = List(section.GetSection("KnownNetworks")).Select(value => ParseNetwork(value, "KnownNetworks")).ToList();
            var forwardLimit = section.GetValue("ForwardLimit", 1);
            if (forwardLimit < 1) throw new InvalidOperationException($"{ForwardedHeadersSection}:ForwardLimit must be 1 or more, not {forwardLimit}.");
            builder.Services.Configure<ForwardedHeadersOptions>(options =>
            {
                options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                options.ForwardLimit = forwardLimit;
                // Listed proxies replace the default (loopback: a proxy on this machine).
                if (proxies.Count + networks.Count == 0) return;
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                foreach (var proxy in proxies) options.KnownProxies.Add(proxy);
                foreach (var network in networks) options.KnownIPNetworks.Add(network);
            });
        }
        return builder;
    }

    /// <summary>First in the pipeline: everything after it sees the client's scheme and address.</summary>
    public static WebApplication UseJobTrackerForwardedHeaders(this WebApplication app)
    {
        if (IsForwardedHeadersEnabled(app.Configuration)) app.UseForwardedHeaders();
        return app;
    }

    /// <summary>
    /// HSTS on HTTPS answers and a redirect for HTTP requests. After the error pages, so that an
    /// error page, which the exception handler writes on a cleared response, gets HSTS too.
    /// </summary>
    public static WebApplication UseJobTrackerHttps(this WebApplication app)
    {
        if (!IsHttpsEnabled(app.Configuration)) return app;
        app.UseHsts();
        app.UseHttpsRedirection();
        return app;
    }

    private static bool IsHttpsEnabled(IConfiguration configuration) =>
        configuration.GetValue($"{HttpsSection}:Enabled", false);

    private static bool IsForwardedHeadersEnabled(IConfiguration configuration) =>
        configuration.GetValue($"{ForwardedHeadersSection}:Enabled", false);

    /// <summary>A list setting, as JSON array items or as one comma-separated value (handier in an environment variable).</summary>
    private static IEnumerable<string> List(IConfigurationSection section)
    {
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(child => child.Value ?? "");
        return values.SelectMany(value => value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static IPAddress ParseAddress(string value, string key) =>
        IPAddress.TryParse(value, out var address)
            ? address
            : throw new InvalidOperationException($"{ForwardedHeadersSection}:{key}: \"{value}\" is not an IP address.");

    private static System.Net.IPNetwork ParseNetwork(string value, string key) =>
        System.Net.IPNetwork.TryParse(value, out var network)
            ? network
            : throw new InvalidOperationException($"{ForwardedHeadersSection}:{key}: \"{value}\" is not a network in CIDR notation (such as 10.0.0.0/8).");
}
