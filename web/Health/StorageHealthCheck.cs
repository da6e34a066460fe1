using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobTracker.Web.Health;

/// <summary>The storage folder takes a file, and its disk keeps JobTracker:StorageMinFreeBytes free (<see cref="StorageProbe"/>).</summary>
internal sealed class StorageHealthCheck(StorageProbe probe) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = probe.Check();
        if (result.Problem is { } problem)
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, problem));
        var free = result.FreeBytes is { } bytes ? $"{StorageProbe.Megabytes(bytes)} free" : "free space unknown";
        return Task.FromResult(HealthCheckResult.Healthy(
            $"The storage folder takes files ({free}; {StorageProbe.Megabytes(result.MinFreeBytes)} kept free)."));
    }
}
