using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.ResponseCompression;

namespace JobTracker.Web.Hosting;

/// <summary>
/// Compresses the answers of the polled partials (the Job Tracker's table and Job Details' batch
/// table, with their status chips and out-of-band summary): htmx GETs of /Collections/{id}/Jobs and
/// /Jobs/{id}, Brotli or gzip at the fastest level, over HTTP and HTTPS. Nothing else is compressed:
/// BREACH needs a secret that stays the same from answer to answer next to text an attacker chooses,
/// and other pages hold such secrets (a new API token, a webhook secret). These partials hold none:
/// their only secret is an antiforgery request token (Stop Job, Retry), which is encrypted afresh
/// for every answer. <c>JobTracker:Polling:Compression</c> (true) turns it off.
/// </summary>
public static partial class PollCompression
{
    public const string Section = "JobTracker:Polling";

    public static WebApplicationBuilder AddJobTrackerPollCompression(this WebApplicationBuilder builder)
    {
        builder.Services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.MimeTypes = ["text/html"];
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
        builder.Services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        builder.Services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        return builder;
    }

    /// <summary>Compression for the polled partials only, when configured (the default).</summary>
    public static WebApplication UseJobTrackerPollCompression(this WebApplication app)
    {
        if (app.Configuration.GetValue($"{Section}:Compression", true))
            app.UseWhen(IsPoll, branch => branch.UseResponseCompression());
        return app;
    }

    /// <summary>An htmx GET of the Job Tracker or of Job Details.</summary>
    public static bool IsPoll(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && context.Request.WantsPartial()
        && context.Request.Path.Value is { } path && PolledPath().IsMatch(path);

    [GeneratedRegex(@"^/(Collections/[0-9]+/Jobs|Jobs/[0-9]+)/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PolledPath();
}
