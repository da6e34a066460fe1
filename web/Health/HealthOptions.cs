namespace JobTracker.Web.Health;

/// <summary>Settings of /health/ready, bound from configuration section "JobTracker:Health".</summary>
public sealed class HealthOptions
{
    public const string Section = "JobTracker:Health";

    /// <summary>
    /// A worker that has not polled for this long (and is not running a job) counts as stopped. Workers
    /// poll every JobTracker:PollInterval (1 s) when idle.
    /// </summary>
    public TimeSpan WorkerStaleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one check may take before it counts as failed (a database that does not answer).</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
