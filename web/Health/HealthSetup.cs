using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>
/// /health/live (the process answers; no dependency) and /health/ready (database reachable, migrations
/// applied, workers running, storage writable with free space, and the schedule watch), for load
/// balancers and orchestrators: anonymous, JSON, with the same security headers as every answer.
/// Healthy and Degraded answer 200, Unhealthy 503. Degraded comes only from the schedule watch or some
/// (not all) workers stale; anything that stops the node from doing its work is Unhealthy.
/// </summary>
public static class HealthSetup
{
    public const string LivePath = "/health/live", ReadyPath = "/health/ready";

    private const string LiveTag = "live", ReadyTag = "ready";

    public static WebApplicationBuilder AddJobTrackerHealth(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<HealthOptions>(builder.Configuration.GetSection(HealthOptions.Section));
        var timeout = builder.Configuration.GetSection(HealthOptions.Section).Get<HealthOptions>()?.CheckTimeout ?? new HealthOptions().CheckTimeout;
        builder.Services.AddHealthChecks()
            .AddCheck<ProcessHealthCheck>("process", tags: [LiveTag])
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<MigrationsHealthCheck>("migrations", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<WorkersHealthCheck>("workers", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<StorageHealthCheck>("storage", HealthStatus.Unhealthy, [ReadyTag], timeout)
            .AddCheck<SchedulesHealthCheck>("schedules", HealthStatus.Degraded, [ReadyTag], timeout);
        return builder;
    }

    public static WebApplication MapJobTrackerHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, Options(LiveTag)).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, Options(ReadyTag)).AllowAnonymous();
        return app;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = registration => registration.Tags.Contains(tag),
        ResponseWriter = WriteJsonAsync,
    };

    /// <summary>
    /// {"status":"Degraded","checks":[{"name":"database","status":"Healthy","description":"…","details":["…"]}, …]}:
    /// each check's status and words; never an exception, a path or a connection string. The details only
    /// to a signed-in user (the console's cookie).
    /// </summary>
    public static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        // The details name workspaces, collections, schedules and jobs: for a signed-in user, not for an anonymous probe.
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        var body = new
        {
            status = report.Status.ToString(),
            totalMilliseconds = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status.ToString(),
                description = entry.Value.Description ?? (entry.Value.Exception is null ? "" : "The check failed (see the log)."),
                milliseconds = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                details = signedIn && entry.Value.Data.TryGetValue("details", out var details) && details is string[] lines ? lines : [],
            }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonOptions, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
