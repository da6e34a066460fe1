using System.Buffers;
using System.Text.Json;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Files;

/// <summary>Reads back the rows of one <see cref="BatchSlice"/> found by <see cref="FileSplitter"/>.</summary>
public static class SliceReader
{
    /// <summary>
    /// Seeks to the slice and yields its <see cref="BatchSlice.RowCount"/> rows, numbered from
    /// <see cref="BatchSlice.FirstRow"/>. The stream must be seekable and positioned nowhere in particular;
    /// it is left open. JSON values are standalone (<see cref="JsonElement.ParseValue"/>), so rows may be
    /// kept after the enumeration ends.
    /// </summary>
    public static IEnumerable<ImportRow> Read(Stream file, FileFormat format, IReadOnlyList<string>? csvHeader, BatchSlice slice)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(slice);
        return format switch
        {
            FileFormat.Csv => ReadCsv(file, csvHeader?.Count ?? throw new ArgumentNullException(nameof(csvHeader), "CSV slices need the header."), slice),
            FileFormat.Json => ReadJson(file, slice),
            FileFormat.JsonLines => ReadJsonLines(file, slice),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    private static IEnumerable<ImportRow> ReadCsv(Stream file, int fieldCount, BatchSlice slice)
    {
        file.Seek(slice.ByteOffset, SeekOrigin.Begin);
        using var reader = Sep.New(',')
            .Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true })
            .From(new SliceStream(file, slice.ByteLength));
        int read = 0;
        while (read < slice.RowCount && reader.MoveNext())
        {
            if (reader.Current.Span.Length == 0) continue; // a blank line, not a row
            yield return ToRow(reader.Current, fieldCount, slice.FirstRow + read);
            read++;
        }
        if (read < slice.RowCount) throw Changed(slice, read);
    }

    // Separate from the iterator: a Sep row is a ref struct and may not live across a yield.
    private static ImportRow ToRow(SepReader.Row row, int fieldCount, long rowNumber)
    {
        if (row.ColCount != fieldCount)
            return new ImportRow(rowNumber, null, default,
                $"The row has {Fields(row.ColCount)}; the header has {fieldCount}.");
        var values = new string[fieldCount];
        for (int i = 0; i < values.Length; i++) values[i] = row[i].ToString();
        return new ImportRow(rowNumber, values, default, null);
    }

    private static string Fields(int n) => n == 1 ? "1 field" : $"{n} fields";

    /// <summary>The slice holds the array's items and the commas between them: read it as "[" + slice + "]".</summary>
    private static IEnumerable<ImportRow> ReadJson(Stream file, BatchSlice slice)
    {
        var (buffer, length) = Load(file, slice, wrapInBrackets: true);
        try
        {
            var state = new JsonReaderState();
            int consumed = 0;
            for (int i = 0; i < slice.RowCount; i++)
            {
                var item = NextItem(buffer.AsSpan(0, length), ref consumed, ref state);
                if (item is null) throw Changed(slice, i);
                yield return new ImportRow(slice.FirstRow + i, null, item.Value, null);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static JsonElement? NextItem(ReadOnlySpan<byte> json, ref int consumed, ref JsonReaderState state)
    {
        try
        {
            var reader = new Utf8JsonReader(json[consumed..], isFinalBlock: true, state);
            if (consumed == 0) reader.Read(); // the '['
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            var item = JsonElement.ParseValue(ref reader);
            consumed += (int)reader.BytesConsumed;
            state = reader.CurrentState;
            return item;
        }
        catch (JsonException)
        {
            return null; // only when the file changed after it was split
        }
    }

    private static IEnumerable<ImportRow> ReadJsonLines(Stream file, BatchSlice slice)
    {
        var (buffer, length) = Load(file, slice, wrapInBrackets: false);
        try
        {
            int pos = 0, read = 0;
            long line = slice.FirstLine;
            while (read < slice.RowCount && pos < length)
            {
                int k = buffer.AsSpan(pos, length - pos).IndexOf((byte)'\n');
                int end = k < 0 ? length : pos + k;
                var row = ParseLine(buffer.AsSpan(pos, end - pos), line, slice.FirstRow + read);
                pos = end + 1;
                line++;
                if (row is null) continue; // blank line
                yield return row.Value;
                read++;
            }
            if (read < slice.RowCount) throw Changed(slice, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImportRow? ParseLine(ReadOnlySpan<byte> text, long line, long rowNumber)
    {
        if (text.IndexOfAnyExcept(" \t\r\n"u8) < 0) return null;
        try
        {
            var reader = new Utf8JsonReader(text);
            var value = JsonElement.ParseValue(ref reader);
            reader.Read(); // throws when something other than whitespace follows the value
            if (value.ValueKind == JsonValueKind.Object) return new ImportRow(rowNumber, null, value, null);
            return new ImportRow(rowNumber, null, default, $"Line {line} is not a valid JSON object: it is {Kind(value.ValueKind)}.");
        }
        catch (JsonException e)
        {
            return new ImportRow(rowNumber, null, default, $"Line {line} is not a valid JSON object: {FileSplitter.ShortReason(e)}");
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => "null",
    };

    /// <summary>Reads the slice's bytes into a pooled buffer (a slice is one batch, so it is small).</summary>
    private static (byte[] Buffer, int Length) Load(Stream file, BatchSlice slice, bool wrapInBrackets)
    {
        int extra = wrapInBrackets ? 2 : 0;
        if (slice.ByteLength > Array.MaxLength - extra)
            throw new UnreadableFileException($"Batch {slice.BatchNo} is larger than 2 GB; use a smaller batch size.");
        int length = (int)slice.ByteLength + extra;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            file.Seek(slice.ByteOffset, SeekOrigin.Begin);
            file.ReadExactly(buffer, extra / 2, (int)slice.ByteLength);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (wrapInBrackets)
        {
            buffer[0] = (byte)'[';
            buffer[length - 1] = (byte)']';
        }
        return (buffer, length);
    }

    private static UnreadableFileException Changed(BatchSlice slice, int found) =>
        new($"Batch {slice.BatchNo} should hold {slice.RowCount} rows from byte offset {slice.ByteOffset}, but only {found} were found there. Has the file changed since it was split?");
}
