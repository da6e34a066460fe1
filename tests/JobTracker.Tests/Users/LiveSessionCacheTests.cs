using JobTracker.Jobs.Users;
using Microsoft.Extensions.Options;

namespace JobTracker.Tests.Users;

/// <summary>The cache of sessions found live (<see cref="LiveSessionCache"/>): how long it keeps one, and that a change empties it.</summary>
public sealed class LiveSessionCacheTests
{
    private static readonly DateTime ReadAt = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    private static readonly LiveSession Bob = new() { Id = 7, UserId = 3, UserName = "bob", Role = "support", LastSeenAt = ReadAt };

    private static LiveSessionCache CacheFor(TimeSpan recheck) => new(Options.Create(new SignInSettings { SessionRecheck = recheck }));

    [Fact]
    public void A_session_is_kept_for_the_recheck_time_and_no_longer()
    {
        var cache = CacheFor(TimeSpan.FromSeconds(5));
        cache.Keep("hash", Bob, cache.Generation, ReadAt);

        Assert.Same(Bob, cache.Find("hash", ReadAt.AddSeconds(4.9)));
        Assert.Null(cache.Find("other hash", ReadAt));
        Assert.Null(cache.Find("hash", ReadAt.AddSeconds(5)));
        Assert.Null(cache.Find("hash", ReadAt.AddSeconds(1)));
    }

    [Fact]
    public void A_change_empties_it_and_a_session_read_before_the_change_is_not_kept()
    {
        var cache = CacheFor(TimeSpan.FromSeconds(5));
        cache.Keep("hash", Bob, cache.Generation, ReadAt);
        var readBeforeTheChange = cache.Generation;

        cache.Changed();
        Assert.Null(cache.Find("hash", ReadAt));

        cache.Keep("hash", Bob, readBeforeTheChange, ReadAt);
        Assert.Null(cache.Find("hash", ReadAt));
        cache.Keep("hash", Bob, cache.Generation, ReadAt);
        Assert.Same(Bob, cache.Find("hash", ReadAt));
    }

    [Fact]
    public void With_a_recheck_of_zero_nothing_is_kept()
    {
        var cache = CacheFor(TimeSpan.Zero);
        cache.Keep("hash", Bob, cache.Generation, ReadAt);
        Assert.Null(cache.Find("hash", ReadAt));
    }
}
