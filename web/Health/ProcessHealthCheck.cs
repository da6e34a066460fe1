using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>/health/live: the process answers. Depends on nothing, so a database outage never gets the process restarted.</summary>
internal sealed class ProcessHealthCheck : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy("The process is up."));
}
