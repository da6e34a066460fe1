using nietras.SeparatedValues;

namespace JobTracker.Jobs.Files;

/// <summary>
/// One CSV row's fields, unquoted, in a char buffer that <see cref="SliceReader"/> fills again for each row of an
/// import: no string per field and no array per row (they were most of what an import allocated). Valid only until
/// the enumeration that yielded it moves on.
/// </summary>
public sealed class CsvFields
{
    private char[] _buffer = new char[1024];
    private (int Start, int Length)[] _fields = new (int, int)[16];

    /// <summary>How many fields the row has.</summary>
    public int Count { get; private set; }

    /// <summary>Field <paramref name="i"/>, unquoted.</summary>
    public ReadOnlySpan<char> this[int i] => _buffer.AsSpan(_fields[i].Start, _fields[i].Length);

    /// <summary>Copies a row of Sep's into the buffer, growing it when the row is longer than any before.</summary>
    internal void Fill(SepReader.Row row)
    {
        int used = Start(row.ColCount);
        for (int i = 0; i < Count; i++) used = Add(i, row[i].Span, used);
    }

    /// <summary>The same fields from strings (a row given as <see cref="ImportRow.CsvValues"/>).</summary>
    internal void Fill(string[] values)
    {
        int used = Start(values.Length);
        for (int i = 0; i < Count; i++) used = Add(i, values[i], used);
    }

    private int Start(int count)
    {
        Count = count;
        if (_fields.Length < count) _fields = new (int, int)[count];
        return 0;
    }

    /// <summary>Copies field <paramref name="i"/> to <paramref name="used"/> in the buffer; returns the buffer's new end.</summary>
    private int Add(int i, ReadOnlySpan<char> field, int used)
    {
        if (_buffer.Length - used < field.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, used + field.Length));
        field.CopyTo(_buffer.AsSpan(used));
        _fields[i] = (used, field.Length);
        return used + field.Length;
    }
}
