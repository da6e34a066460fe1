namespace JobTracker.Web.Hosting;

/// <summary>
/// The headers every answer carries: pages, htmx partials, downloads, static files and error pages.
/// A strict Content-Security-Policy (the site's own scripts, styles and images only; no inline script
/// or style, no eval, no plugins, no framing), no MIME sniffing, no referrer outside the site and no
/// shared browsing context with other sites. They are set when the response starts, so an answer the
/// exception handler cleared and rewrote gets them as well.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// <c>img-src data:</c> is for the layout's empty icon (<c>&lt;link rel="icon" href="data:,"&gt;</c>),
    /// which keeps browsers from asking for /favicon.ico. htmx needs no inline style: its indicator
    /// styles are in site.css and the layout's htmx-config turns off eval and script tags.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

    /// <summary>Features the console never uses, refused to it and to anything it could embed.</summary>
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

    /// <summary>Every header and its value, in the order they are sent.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> All =
    [
        new("Content-Security-Policy", ContentSecurityPolicy),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "same-origin"),
        new("X-Frame-Options", "DENY"),
        new("Cross-Origin-Opener-Policy", "same-origin"),
        new("Cross-Origin-Resource-Policy", "same-origin"),
        new("Permissions-Policy", PermissionsPolicy),
    ];

    /// <summary>Adds the headers to every response; register it first, before error pages and static files.</summary>
    public static IApplicationBuilder UseJobTrackerSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(next => context =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpResponse)state).Headers;
                foreach (var (name, value) in All) headers[name] = value;
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
}
