namespace JobTracker.Jobs;

/// <summary>
/// How a job rides out transient database faults (busy or locked, deadlock, timeout, lost connection):
/// configuration section "JobTracker:Retry". The batch that hit the fault is rolled back and run again
/// after an exponential, jittered wait; after <see cref="MaxAttempts"/> attempts in a row without a batch
/// committing, the job fails and says why.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>Attempts in a row, the first included, before the job fails (1: no retry).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the first retry; each later wait doubles it on average (jittered).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest single wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
