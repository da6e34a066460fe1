using Serilog;
using Serilog.Events;

namespace JobTracker.Web.Hosting;

public static class LoggingSetup
{
    /// <summary>
    /// Serilog from the "Serilog" configuration section, enriched from the log context so that the
    /// engine's JobId / BatchNo scope properties reach every sink. A relative file sink path
    /// resolves against the content root, like every other data path.
    /// </summary>
    public static WebApplicationBuilder AddJobTrackerLogging(this WebApplicationBuilder builder)
    {
        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddSerilog((services, logger) =>
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            logger
                .ReadFrom.Configuration(WithFileSinkPathsUnder(configuration, contentRoot))
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();

            // Started outside its folder (no appsettings.json in the content root): still say what happens.
            if (!configuration.GetSection("Serilog:WriteTo").Exists())
                logger.MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning).MinimumLevel.Override("Quartz", LogEventLevel.Warning).WriteTo.Console();
        },
        // The app's own logger, not the static Log.Logger: the latest app to start would take that over
        // for every app in the process (the tests run several at once, each logging into its own folder).
        preserveStaticLogger: true);
        return builder;
    }

    private static IConfiguration WithFileSinkPathsUnder(IConfiguration configuration, string contentRoot)
    {
        var resolved = new Dictionary<string, string?>();
        foreach (var sink in configuration.GetSection("Serilog:WriteTo").GetChildren())
        {
            var path = sink["Args:path"];
            if (sink["Name"] == "File" && path is not null)
                resolved[$"Serilog:WriteTo:{sink.Key}:Args:path"] = Path.GetFullPath(path, contentRoot);
        }
        return new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(resolved).Build();
    }
}

public static class RequestLogging
{
    /// <summary>
    /// htmx polls every two seconds and probes ask /health/… as often: successful partial GETs and healthy
    /// probes log at Debug, an unhealthy probe (503) at Warning (the health check logs why), the rest as usual.
    /// </summary>
    public static LogEventLevel Level(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is null && context.Request.Path.StartsWithSegments("/health")
            ? context.Response.StatusCode < 400 ? LogEventLevel.Debug : LogEventLevel.Warning
        : exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
        : context.Request.IsHtmx() && HttpMethods.IsGet(context.Request.Method) && context.Response.StatusCode < 400 ? LogEventLevel.Debug
        : LogEventLevel.Information;
}
