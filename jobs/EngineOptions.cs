using JobTracker.Jobs.Storage;

namespace JobTracker.Jobs;

/// <summary>Settings of the engine, bound from configuration section "JobTracker".</summary>
public sealed class EngineOptions
{
    public const string Section = "JobTracker";

    /// <summary>Rows per batch for new imports.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How many jobs this process works on at once (jobs of one collection always run one at a time).</summary>
    public int Workers { get; set; } = 2;

    /// <summary>How long a worker's claim on a job lasts without renewal; another process may take the job over after it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often idle workers look for queued work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// This process's name in leases. Each process sharing a database needs its own; a process that
    /// restarts with the same name takes its unfinished jobs back at once instead of waiting for the lease.
    /// </summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>
    /// Where new uploads and export batch files go: <see cref="StorageKind.Folder"/> (under
    /// <see cref="StoragePath"/>, which every node must mount) or <see cref="StorageKind.Database"/>.
    /// </summary>
    public StorageKind Storage { get; set; } = StorageKind.Folder;

    /// <summary>Folder for stored files (Folder storage), and for export batch files while they are written (both).</summary>
    public string StoragePath { get; set; } = "data/files";

    /// <summary>Largest accepted upload, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>When false, no background worker runs in this process (tests that drive the engine by hand).</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Retries after transient database faults (JobTracker:Retry:MaxAttempts, BaseDelay, MaxDelay).</summary>
    public RetryOptions Retry { get; set; } = new();
}
