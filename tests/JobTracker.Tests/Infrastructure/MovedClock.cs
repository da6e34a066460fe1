namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The app's TimeProvider in tests that move time forward: the real clock plus <see cref="Ahead"/>. Services that read
/// the time from DI (the retention cleanup) see the moved time; everything else runs on the real clock.
/// </summary>
public sealed class MovedClock : TimeProvider
{
    private long aheadTicks;

    /// <summary>How far ahead of the real clock this one is.</summary>
    public TimeSpan Ahead
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref aheadTicks));
        set => Interlocked.Exchange(ref aheadTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Ahead;
}
