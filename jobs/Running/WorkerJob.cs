using Microsoft.Extensions.Hosting;
using Quartz;

namespace JobTracker.Jobs.Running;

/// <summary>
/// One import worker: a Quartz job, fired every poll interval (and on demand when work is queued),
/// that claims jobs from the jobs table and runs them until there is nothing left. There are
/// EngineOptions.Workers of them; two copies of the same worker never run at once.
/// </summary>
[DisallowConcurrentExecution]
public sealed class WorkerJob(JobRunner runner, WorkerHeartbeat heartbeat, IHostApplicationLifetime lifetime) : IJob
{
    public static IEnumerable<JobKey> Keys(int workers) =>
        Enumerable.Range(1, workers).Select(i => new JobKey($"worker-{i}", "jobs"));

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // Quartz waits for running jobs on shutdown; stopping the host hands the job back instead
        // of finishing a long import first.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var worker = context.JobDetail.Key.Name;
        heartbeat.PassStarted(worker);
        try
        {
            await runner.RunUntilIdleAsync(stopping.Token);
        }
        finally
        {
            heartbeat.PassEnded(worker);
        }
    }
}
