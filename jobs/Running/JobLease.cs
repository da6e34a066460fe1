namespace JobTracker.Jobs.Running;

/// <summary>
/// A worker's hold on a job: its owner name in jobs.lease_owner and how long each renewal lasts, and how
/// many batches have committed under it (so that a retry after a transient fault knows the job moved on).
/// </summary>
public sealed record JobLease(string Owner, TimeSpan Duration)
{
    private long batchesCommitted;

    /// <summary>The lease_until a renewal at <paramref name="now"/> writes.</summary>
    public DateTime Until(DateTime now) => now + Duration;

    /// <summary>Batches committed under this hold so far.</summary>
    public long BatchesCommitted => Interlocked.Read(ref batchesCommitted);

    internal void Committed() => Interlocked.Increment(ref batchesCommitted);
}
