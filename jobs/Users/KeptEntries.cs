using System.Collections.Concurrent;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Values kept by key for a while, for caches that only ever save work (a database read, a decryption): an entry
/// older than the lifetime it is looked up with is dropped when found, and past <see cref="MaxEntries"/> the whole set
/// starts again empty. Serves <see cref="LiveSessionCache"/> and the sign-in cookie's kept tickets.
/// </summary>
public sealed class KeptEntries<TKey, TValue>(IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    /// <summary>More entries than this at once and the set starts again empty.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<TKey, (TValue Value, DateTime KeptAt)> entries = new(comparer);

    /// <summary>The value kept for <paramref name="key"/> less than <paramref name="lifetime"/> before <paramref name="now"/>.</summary>
    public bool TryFind(TKey key, DateTime now, TimeSpan lifetime, out TValue value)
    {
        value = default!;
        if (!entries.TryGetValue(key, out var entry)) return false;
        if (now - entry.KeptAt >= lifetime)
        {
            entries.TryRemove(KeyValuePair.Create(key, entry));
            return false;
        }
        value = entry.Value;
        return true;
    }

    public void Keep(TKey key, TValue value, DateTime now)
    {
        if (entries.Count >= MaxEntries) entries.Clear();
        entries[key] = (value, now);
    }

    public void Remove(TKey key) => entries.TryRemove(key, out _);

    public void Clear() => entries.Clear();
}
