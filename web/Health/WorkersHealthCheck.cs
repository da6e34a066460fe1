using JobTracker.Jobs;
using JobTracker.Jobs.Running;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Quartz;

namespace JobTracker.Web.Health;

/// <summary>
/// This node's workers run: the Quartz scheduler is started (not in standby, not shut down) and each
/// worker is inside a pass or polled within JobTracker:Health:WorkerStaleAfter. A node with
/// JobTracker:RunWorkers false runs none, and says so.
/// </summary>
internal sealed class WorkersHealthCheck(
    ISchedulerFactory schedulers, WorkerHeartbeat heartbeat, IOptions<EngineOptions> engine, IOptions<HealthOptions> health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!engine.Value.RunWorkers)
            return HealthCheckResult.Healthy("This node runs no workers (JobTracker:RunWorkers is false): other nodes process the jobs.");

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var status = await scheduler.GetStatus(cancellationToken);
        if (status != SchedulerStatus.Running)
            return new HealthCheckResult(context.Registration.FailureStatus, status switch
            {
                SchedulerStatus.Shutdown or SchedulerStatus.ShuttingDown => "The workers' scheduler has shut down.",
                SchedulerStatus.Standby => "The workers' scheduler is on standby: no job runs.",
                _ => "The workers' scheduler has not started.",
            });

        var staleAfter = health.Value.WorkerStaleAfter;
        var expected = Math.Max(1, engine.Value.Workers);
        var beats = heartbeat.Workers;
        var alive = beats.Count(beat => WorkerHeartbeat.IsAlive(beat, staleAfter));
        var busy = beats.Count(beat => beat.PassStartedAt is not null);
        var data = new Dictionary<string, object> { ["details"] = beats.Select(Describe).ToArray() };
        // Just after start a worker may not have had its first pass yet: it is starting, not stopped.
        var since = (await scheduler.GetMetadata(cancellationToken)).RunningSince;
        var startingUp = since is { } started && DateTimeOffset.UtcNow - started <= staleAfter;
        var starting = startingUp ? Math.Max(0, expected - beats.Count) : 0;
        var stopped = expected - alive - starting;
        if (stopped <= 0)
            return HealthCheckResult.Healthy(
                $"{alive} of {expected} workers are polling ({busy} running a job){(starting > 0 ? $"; {starting} starting" : "")}.", data);
        if (alive == 0)
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"None of the {expected} workers has polled for {staleAfter.TotalSeconds:0} s: queued jobs are not being processed.", data: data);
        return HealthCheckResult.Degraded($"{alive} of {expected} workers are polling; {stopped} have not polled for {staleAfter.TotalSeconds:0} s.", data: data);
    }

    private static string Describe(WorkerHeartbeat.Beat beat) =>
        beat.PassStartedAt is { } started
            ? $"{beat.Worker}: working since {started:yyyy-MM-dd HH:mm:ss} UTC"
            : $"{beat.Worker}: last polled {(DateTime.UtcNow - beat.LastPassEndedAt!.Value).TotalSeconds:0.0} s ago";
}
