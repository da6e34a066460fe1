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

    /// <summary>
    /// How many batch files of one export a worker writes at once, each reading its key range on a
    /// connection of its own while the batch before it commits; batches still commit one by one in
    /// batch order. 1 writes one batch at a time.
    /// </summary>
    public int ExportWriters { get; set; } = 2;

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

    /// <summary>
    /// Free space the storage folder's disk keeps (bytes): an upload that would leave less is refused before a
    /// byte of it is stored, and an export does not start a batch file below it. Not checked with
    /// <see cref="StorageKind.Database"/> storage for uploads (the database's disk is not ours to see).
    /// </summary>
    public long StorageMinFreeBytes { get; set; } = 512L << 20;

    /// <summary>
    /// How long a file in the storage folder, or a stored_files row, must have been left alone before the
    /// start-up sweep removes it when nothing refers to it: an upload or export still being written by
    /// another node sharing the folder or database is never that old.
    /// </summary>
    public TimeSpan OrphanFileAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Largest accepted upload, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>When false, no background worker runs in this process (tests that drive the engine by hand).</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>
    /// Bytes of the file per batch for new imports: a batch ends at <see cref="BatchSize"/> rows or at this
    /// many bytes, whichever comes first (a longer row is a batch of its own). A batch is held in memory
    /// while it is validated and written, so this bounds an import's memory when rows are wide.
    /// </summary>
    public long BatchMaxBytes { get; set; } = 8L << 20;

    /// <summary>A row longer than this in the file fails as a row without being read (it is never held in memory).</summary>
    public long MaxRowBytes { get; set; } = 16L << 20;

    /// <summary>A field (CSV value, or JSON value of a top-level field as written in the file) longer than this fails its row.</summary>
    public long MaxFieldBytes { get; set; } = 1L << 20;

    /// <summary>A row with more fields than this fails; a CSV header with more columns fails the job.</summary>
    public int MaxColumns { get; set; } = 1000;

    /// <summary>A JSON record nesting deeper than this (objects and arrays inside each other, the record itself counting 1) fails as a row.</summary>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>Retries after transient database faults (JobTracker:Retry:MaxAttempts, BaseDelay, MaxDelay).</summary>
    public RetryOptions Retry { get; set; } = new();
}
