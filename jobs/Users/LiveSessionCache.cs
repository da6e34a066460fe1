using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Users;

/// <summary>
/// The sessions this process found live lately (<see cref="Sessions.FindLiveAsync"/>), by token hash, so that an open
/// page's polls (two partials every 2 s) do not read the sessions table on every request: a session found live is taken
/// as live again for <see cref="SignInSettings.SessionRecheck"/>. Every change this process makes to users or sessions
/// (sign-out, an ended session, a disabled user, a new role or password, a time zone) empties it at once, so on this
/// node such a change takes effect with the next request; another node sharing the database sees it within
/// <see cref="SignInSettings.SessionRecheck"/>.
/// </summary>
public sealed class LiveSessionCache(IOptions<SignInSettings> options)
{
    private readonly KeptEntries<string, LiveSession> entries = new(StringComparer.Ordinal);

    private long generation;

    /// <summary>Counts <see cref="Changed"/>: taken before a read, it tells <see cref="Keep"/> whether a change came in meanwhile.</summary>
    public long Generation => Interlocked.Read(ref generation);

    /// <summary>The session of this token hash as read less than <see cref="SignInSettings.SessionRecheck"/> ago, or null.</summary>
    public LiveSession? Find(string tokenHash, DateTime now) =>
        entries.TryFind(tokenHash, now, options.Value.SessionRecheck, out var session) ? session : null;

    /// <summary>Keeps a session read live at <paramref name="readAt"/>, unless something changed since <paramref name="readGeneration"/>.</summary>
    public void Keep(string tokenHash, LiveSession session, long readGeneration, DateTime readAt)
    {
        if (options.Value.SessionRecheck <= TimeSpan.Zero) return;
        entries.Keep(tokenHash, session, readAt);
        // A change that committed while this was read: what was read may be what it changed.
        if (Generation != readGeneration) entries.Remove(tokenHash);
    }

    /// <summary>Users or sessions changed (call after the change commits): nothing kept is used again.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }
}
