namespace JobTracker.Jobs.Files;

/// <summary>
/// One wide CSV row kept as the file's UTF-8 bytes: its fields are unquoted in place in a pooled buffer
/// that <see cref="SliceReader"/> owns, so a row of 10 MB costs its 10 MB once instead of a UTF-16 row
/// buffer, a string per field and their garbage. Valid only until the enumeration that yielded it moves on.
/// </summary>
/// <remarks>
/// Only strict RFC 4180 rows are read this way: a field is either unquoted without any quote in it, or
/// quoted with its inner quotes doubled and nothing after its closing quote. Anything else (where CSV
/// readers may disagree) is left to Sep, so both paths give the same values.
/// </remarks>
public sealed class CsvWideRow
{
    private readonly byte[] _buffer;
    private readonly List<(int Start, int Length)> _fields;

    private CsvWideRow(byte[] buffer, List<(int Start, int Length)> fields)
    {
        _buffer = buffer;
        _fields = fields;
    }

    /// <summary>How many fields the row has.</summary>
    public int Count => _fields.Count;

    /// <summary>Field <paramref name="i"/>, unquoted, as UTF-8.</summary>
    public ReadOnlySpan<byte> this[int i] => _buffer.AsSpan(_fields[i].Start, _fields[i].Length);

    /// <summary>
    /// Splits <c>buffer[0..length)</c>, one row without its line ending, into fields, unquoting quoted
    /// fields in place. Null when the row is not strict RFC 4180 (then read it with Sep instead).
    /// </summary>
    internal static CsvWideRow? TryParse(byte[] buffer, int length, int maxFields)
    {
        var fields = new List<(int, int)>();
        int pos = 0;
        while (true)
        {
            if (fields.Count == maxFields) return null; // too many: Sep reads it and the builder says so
            int end;
            if (pos < length && buffer[pos] == '"')
            {
                // Quoted: copy down over each doubled quote; the field must end right after its closing quote.
                int write = pos, read = pos + 1;
                while (true)
                {
                    int q = buffer.AsSpan(read, length - read).IndexOf((byte)'"');
                    if (q < 0) return null;
                    buffer.AsSpan(read, q).CopyTo(buffer.AsSpan(write));
                    write += q;
                    read += q + 1;
                    if (read < length && buffer[read] == '"')
                    {
                        buffer[write++] = (byte)'"';
                        read++;
                        continue;
                    }
                    break;
                }
                if (read < length && buffer[read] != ',') return null;
                fields.Add((pos, write - pos));
                end = read;
            }
            else
            {
                int k = buffer.AsSpan(pos, length - pos).IndexOfAny((byte)',', (byte)'"');
                end = k < 0 ? length : pos + k;
                if (end < length && buffer[end] == '"') return null;
                fields.Add((pos, end - pos));
            }
            if (end >= length) return new CsvWideRow(buffer, fields);
            pos = end + 1; // past the comma
        }
    }
}
