using System.Globalization;

namespace JobTracker.Jobs.Files;

public sealed partial class RecordBuilder
{
    /// <summary>A date alone is written "yyyy-MM-dd"; a date and time as UTC "yyyy-MM-ddTHH:mm:ss[.fffffff]Z".</summary>
    /// <remarks>
    /// ISO 8601 text (the common case, and what exports write) is read by hand: the framework's parsers cost more
    /// than the rest of a row's checks (DateOnly.TryParseExact compares its format's literals with culture rules,
    /// DateTimeOffset.TryParse lexes every form it knows). Anything else goes to the general parse, which
    /// gives the same result for ISO text; the hand-written path only takes text it is sure of.
    /// </remarks>
    private bool TryWriteDateTime(ReadOnlySpan<char> t)
    {
        if (t.Length == 10 && TryReadIsoDate(t, out _, out _, out _))
        {
            _writer.WriteStringValue(t);
            return true;
        }
        if (TryReadIsoDateTime(t, out var utc))
        {
            WriteUtc(utc);
            return true;
        }
        var culture = CultureInfo.InvariantCulture;
        // Only text without a time of day (no ':') can be a date alone; skipping the attempt otherwise is much faster.
        if (!t.Contains(':') && DateOnly.TryParse(t, culture, DateTimeStyles.None, out var date))
        {
            Span<char> text = stackalloc char[10];
            date.TryFormat(text, out int length, "O", culture);
            _writer.WriteStringValue(text[..length]);
            return true;
        }
        if (!DateTimeOffset.TryParse(t, culture, DateTimeStyles.AssumeUniversal, out var moment)) return false;
        WriteUtc(moment.UtcDateTime);
        return true;
    }

    /// <summary>Writes a UTC moment as "O" does (2024-01-31T14:30:00.2500000Z), the fraction's trailing zeros dropped.</summary>
    private void WriteUtc(DateTime utc)
    {
        Span<char> text = stackalloc char[33];
        utc.TryFormat(text, out int n, "O", CultureInfo.InvariantCulture);
        int end = n - 1;                                   // the 'Z'
        while (text[end - 1] == '0') end--;
        if (text[end - 1] == '.') end--;
        text[end] = 'Z';
        _writer.WriteStringValue(text[..(end + 1)]);
    }

    /// <summary>"yyyy-MM-dd" at the start of <paramref name="t"/>, a real date (year 1 to 9999).</summary>
    private static bool TryReadIsoDate(ReadOnlySpan<char> t, out int year, out int month, out int day)
    {
        month = day = 0;
        if (t.Length < 10 || t[4] != '-' || t[7] != '-' || !TryReadDigits(t[..4], out year)
            || !TryReadDigits(t.Slice(5, 2), out month) || !TryReadDigits(t.Slice(8, 2), out day))
        {
            year = 0;
            return false;
        }
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    /// <summary>
    /// "yyyy-MM-ddTHH:mm:ss", then optionally '.' and 1 to 7 digits, then optionally 'Z' or an offset "±HH:mm" (none
    /// means UTC, as the general parse assumes); false for anything else, or a moment outside DateTime's range.
    /// </summary>
    private static bool TryReadIsoDateTime(ReadOnlySpan<char> t, out DateTime utc)
    {
        utc = default;
        if (t.Length < 19 || t[10] != 'T' || t[13] != ':' || t[16] != ':' || !TryReadIsoDate(t, out int year, out int month, out int day)
            || !TryReadDigits(t.Slice(11, 2), out int hour) || !TryReadDigits(t.Slice(14, 2), out int minute)
            || !TryReadDigits(t.Slice(17, 2), out int second) || hour > 23 || minute > 59 || second > 59)
            return false;

        long fraction = 0;
        int i = 19;
        if (i < t.Length && t[i] == '.')
        {
            int first = ++i;
            while (i < t.Length && i - first < 7 && char.IsAsciiDigit(t[i])) fraction = fraction * 10 + (t[i++] - '0');
            int digits = i - first;
            if (digits == 0) return false;
            for (; digits < 7; digits++) fraction *= 10;
        }

        long offset = 0;
        bool utcAlready = i == t.Length || (i == t.Length - 1 && t[i] == 'Z');
        if (!utcAlready)
        {
            if (i != t.Length - 6 || t[i] is not ('+' or '-') || t[i + 3] != ':'
                || !TryReadDigits(t.Slice(i + 1, 2), out int offsetHours) || !TryReadDigits(t.Slice(i + 4, 2), out int offsetMinutes)
                || offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60)
                return false;
            offset = (offsetHours * 60L + offsetMinutes) * TimeSpan.TicksPerMinute * (t[i] == '-' ? -1 : 1);
        }

        long ticks = new DateTime(year, month, day, hour, minute, second).Ticks + fraction - offset;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    private static bool TryReadDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
