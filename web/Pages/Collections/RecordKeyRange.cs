using System.Text;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The keys that start with a prefix, as a range [prefix, <see cref="UpperBound"/>): a range on
/// record_key uses the (collection_id, record_key) index on every provider and needs no LIKE escaping
/// (% and _ are plain characters). Keys compare by code point (BINARY on the embedded database, "C" on PostgreSQL,
/// BIN2 on SQL Server).
/// </summary>
public static class RecordKeyRange
{
    /// <summary>
    /// The least string above every string that starts with <paramref name="prefix"/>: the prefix with
    /// its last code point counted up (trailing U+10FFFF dropped first), or null when there is none.
    /// </summary>
    public static string? UpperBound(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF) continue;
            var next = last + 1 == 0xD800 ? 0xE000 : last + 1; // no surrogate code points
            var end = new StringBuilder();
            foreach (var rune in runes) end.Append(rune.ToString());
            return end.Append(new Rune(next).ToString()).ToString();
        }
        return null;
    }
}
