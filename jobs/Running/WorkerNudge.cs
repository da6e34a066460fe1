using Quartz;

namespace JobTracker.Jobs.Running;

/// <summary>Wakes the import workers now instead of at their next poll, when new work was queued.</summary>
public sealed class WorkerNudge(ISchedulerFactory schedulers, Microsoft.Extensions.Options.IOptions<EngineOptions> options)
{
    public async Task WakeAsync(CancellationToken cancellationToken = default)
    {
        if (!options.Value.RunWorkers) return;
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (await scheduler.GetStatus(cancellationToken) != SchedulerStatus.Running) return;
        foreach (var key in WorkerJob.Keys(options.Value.Workers))
        {
            if (await scheduler.Exists(key, cancellationToken))
                await scheduler.TriggerJob(key, new JobDataMap(), cancellationToken);
        }
    }
}
