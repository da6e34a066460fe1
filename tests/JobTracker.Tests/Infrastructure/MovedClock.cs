namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// A TimeProvider for tests that move time forward: the real clock plus <see cref="Ahead"/>. Put in place of the
/// retention cleanup's clock (keyed "retention" in DI), it moves only that: sign-in and everything else keep the real clock.
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
