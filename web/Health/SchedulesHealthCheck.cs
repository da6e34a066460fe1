using JobTracker.Jobs.Schedules;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>The schedule watch's warnings (<see cref="ScheduleWatch"/>): any makes the answer Degraded, never Unhealthy.</summary>
internal sealed class SchedulesHealthCheck(ScheduleWatch watch) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var warnings = await watch.WarningsAsync(cancellationToken);
            if (warnings.Count == 0) return HealthCheckResult.Healthy("No export schedule needs attention.");
            var details = warnings.Select(w => $"{w.WorkspaceName} / {w.CollectionName}: {w.Message}").ToArray();
            return HealthCheckResult.Degraded(
                warnings.Count == 1 ? "1 export schedule warning." : $"{warnings.Count} export schedule warnings.",
                data: new Dictionary<string, object> { ["details"] = details });
        }
        catch (Exception failure)
        {
            return HealthCheckResult.Degraded($"The export schedules cannot be read: {HealthWords.Reason(failure)}.", failure);
        }
    }
}
