using Microsoft.Extensions.Logging;
using Quartz;

namespace JobTracker.Jobs.Retention;

/// <summary>
/// The nightly Quartz job (JobTracker:Retention:CleanupCron, UTC) that runs <see cref="RetentionCleanup"/>. A cleanup
/// that fails is logged; what it did not delete is deleted the next night.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionCleanupJob(RetentionCleanup cleanup, ILogger<RetentionCleanupJob> logger) : IJob
{
    public static readonly JobKey Key = new("retention-cleanup", "storage");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await cleanup.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Retention cleanup failed; it runs again at its next time");
        }
    }
}
