using Microsoft.Extensions.Logging;
using Quartz;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// The storage sweep's rows (<see cref="StorageSweep.RunRowsAsync"/>) again every JobTracker:OrphanFileAge (at least a
/// minute) while the process runs, not only at start-up: an upload stored for its column mapping that nobody confirms
/// or cancels is removed once it is that old, whether or not the server restarts. The storage folder is listed only
/// at start-up and after the nightly retention cleanup, so this stays cheap however many files are stored. A sweep that fails is logged
/// and tried again at the next interval.
/// </summary>
[DisallowConcurrentExecution]
public sealed class StorageSweepJob(StorageSweep sweep, ILogger<StorageSweepJob> logger) : IJob
{
    public static readonly JobKey Key = new("storage-sweep", "storage");

    /// <summary>How often the sweep runs: the orphan age, so a file is removed at most twice that age after it was left.</summary>
    public static TimeSpan Interval(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.OrphanFileAge < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : options.OrphanFileAge;
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await sweep.RunRowsAsync(DateTime.UtcNow, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Storage sweep failed; it runs again at the next interval");
        }
    }
}
