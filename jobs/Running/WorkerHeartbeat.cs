using System.Collections.Concurrent;

namespace JobTracker.Jobs.Running;

/// <summary>
/// What this process's workers are doing, for /health/ready: each <see cref="WorkerJob"/> says when a
/// pass (a poll, and the jobs it then runs) starts and ends. A worker is alive while it is inside a pass
/// (a long import keeps it there) or when its last pass ended recently.
/// </summary>
public sealed class WorkerHeartbeat
{
    /// <summary>One worker as last seen: the UTC start of its current pass (null between passes) and the end of its last one.</summary>
    public sealed record Beat(string Worker, DateTime? PassStartedAt, DateTime? LastPassEndedAt);

    private readonly ConcurrentDictionary<string, Beat> beats = new();

    public void PassStarted(string worker) =>
        beats.AddOrUpdate(worker, w => new Beat(w, Now, null), (_, beat) => beat with { PassStartedAt = Now });

    public void PassEnded(string worker) =>
        beats.AddOrUpdate(worker, w => new Beat(w, null, Now), (_, beat) => beat with { PassStartedAt = null, LastPassEndedAt = Now });

    /// <summary>Every worker that has started a pass in this process, by name.</summary>
    public IReadOnlyList<Beat> Workers => beats.Values.OrderBy(b => b.Worker, StringComparer.Ordinal).ToList();

    /// <summary>Whether the worker is inside a pass, or ended one within <paramref name="staleAfter"/>.</summary>
    public static bool IsAlive(Beat beat, TimeSpan staleAfter) =>
        beat.PassStartedAt is not null || (beat.LastPassEndedAt is { } ended && Now - ended <= staleAfter);

    private static DateTime Now => DateTime.UtcNow;
}
