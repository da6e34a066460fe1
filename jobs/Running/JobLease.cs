namespace JobTracker.Jobs.Running;

/// <summary>A worker's hold on a job: its owner name in jobs.lease_owner and how long each renewal lasts.</summary>
public sealed record JobLease(string Owner, TimeSpan Duration)
{
    /// <summary>The lease_until a renewal at <paramref name="now"/> writes.</summary>
    public DateTime Until(DateTime now) => now + Duration;
}
