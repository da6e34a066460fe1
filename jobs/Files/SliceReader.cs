using System.Buffers;
using System.Text.Json;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Files;

/// <summary>Reads back the rows of one <see cref="BatchSlice"/> found by <see cref="FileSplitter"/>.</summary>
public static class SliceReader
{
    /// <summary>Reads a slice with the default <see cref="ImportLimits"/>.</summary>
    public static IEnumerable<ImportRow> Read(Stream file, FileFormat format, IReadOnlyList<string>? csvHeader, BatchSlice slice) =>
        Read(file, format, csvHeader, slice, ImportLimits.Default);

    /// <summary>
    /// Seeks to the slice and yields its <see cref="BatchSlice.RowCount"/> rows, numbered from
    /// <see cref="BatchSlice.FirstRow"/>. The stream must be seekable and positioned nowhere in particular;
    /// it is left open. JSON values are standalone (<see cref="JsonElement.ParseValue"/>), so rows may be
    /// kept after the enumeration ends. A slice of one row longer than <see cref="ImportLimits.MaxRowBytes"/>
    /// yields that row as failed without reading it; a JSON record nesting deeper than
    /// <see cref="ImportLimits.MaxJsonDepth"/> fails as a row. With <paramref name="reuseRows"/>, CSV rows come as
    /// <see cref="ImportRow.CsvFields"/>, one buffer filled again for each row (read each row before the next).
    /// </summary>
    public static IEnumerable<ImportRow> Read(
        Stream file, FileFormat format, IReadOnlyList<string>? csvHeader, BatchSlice slice, ImportLimits limits, bool reuseRows = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(slice);
        ArgumentNullException.ThrowIfNull(limits);
        if (slice.RowCount == 1 && slice.ByteLength > limits.MaxRowBytes)
            return [new ImportRow(slice.FirstRow, null, default, limits.RowTooLong(slice.ByteLength))];
        return format switch
        {
            FileFormat.Csv => ReadCsv(file, csvHeader?.Count ?? throw new ArgumentNullException(nameof(csvHeader), "CSV slices need the header."), slice, limits, reuseRows),
            FileFormat.Json => ReadJson(file, slice, limits),
            FileFormat.JsonLines => ReadJsonLines(file, slice, limits),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>A row of a slice of its own at least this long is read as UTF-8 (<see cref="CsvWideRow"/>) rather than by Sep.</summary>
    internal const int WideRowBytes = 256 * 1024;

    private static IEnumerable<ImportRow> ReadCsv(Stream file, int fieldCount, BatchSlice slice, ImportLimits limits, bool reuseRows)
    {
        if (slice.RowCount == 1 && slice.ByteLength >= WideRowBytes)
        {
            // A wide row (a batch of its own): Sep would hold it as UTF-16 in a buffer doubled up to its
            // size, then a string per field, several times the row's bytes in large-object garbage.
            // An array of the row's exact size rather than a pooled one (a power of two, kept after the import).
            var buffer = GC.AllocateUninitializedArray<byte>((int)slice.ByteLength);
            file.Seek(slice.ByteOffset, SeekOrigin.Begin);
            file.ReadExactly(buffer);
            if (CsvWideRow.TryParse(buffer, buffer.Length, Math.Min(fieldCount, limits.MaxColumns)) is { } wide)
            {
                yield return wide.Count == fieldCount
                    ? new ImportRow(slice.FirstRow, null, default, null, wide)
                    : new ImportRow(slice.FirstRow, null, default, $"The row has {Fields(wide.Count)}; the header has {fieldCount}.");
                yield break;
            }
        }
        file.Seek(slice.ByteOffset, SeekOrigin.Begin);
        using var reader = Sep.New(',')
            .Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true })
            .From(new SliceStream(file, slice.ByteLength));
        var fields = reuseRows ? new CsvFields() : null;
        int read = 0;
        while (read < slice.RowCount && reader.MoveNext())
        {
            if (reader.Current.Span.Length == 0) continue; // a blank line, not a row
            yield return ToRow(reader.Current, fieldCount, slice.FirstRow + read, fields);
            read++;
        }
        if (read < slice.RowCount) throw Changed(slice, read);
    }

    // Separate from the iterator: a Sep row is a ref struct and may not live across a yield.
    private static ImportRow ToRow(SepReader.Row row, int fieldCount, long rowNumber, CsvFields? fields)
    {
        if (row.ColCount != fieldCount)
            return new ImportRow(rowNumber, null, default,
                $"The row has {Fields(row.ColCount)}; the header has {fieldCount}.");
        if (fields is not null)
        {
            fields.Fill(row);
            return new ImportRow(rowNumber, null, default, null, CsvFields: fields);
        }
        var values = new string[fieldCount];
        for (int i = 0; i < values.Length; i++) values[i] = row[i].ToString();
        return new ImportRow(rowNumber, values, default, null);
    }

    private static string Fields(int n) => n == 1 ? "1 field" : $"{n} fields";

    /// <summary>The slice holds the array's items and the commas between them: each item is read on its own.</summary>
    private static IEnumerable<ImportRow> ReadJson(Stream file, BatchSlice slice, ImportLimits limits)
    {
        var (buffer, length) = Load(file, slice);
        try
        {
            var options = new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth };
            int consumed = 0;
            for (int i = 0; i < slice.RowCount; i++)
            {
                var row = NextItem(buffer.AsSpan(0, length), ref consumed, options, limits, slice.FirstRow + i);
                if (row is null) throw Changed(slice, i);
                yield return row.Value;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImportRow? NextItem(ReadOnlySpan<byte> json, ref int consumed, JsonReaderOptions options, ImportLimits limits, long rowNumber)
    {
        // Between items: whitespace and one comma.
        int start = json[consumed..].IndexOfAnyExcept(" \t\r\n,"u8);
        if (start < 0 || json[consumed + start] != (byte)'{') return null;
        consumed += start;
        var item = json[consumed..];
        try
        {
            var reader = new Utf8JsonReader(item, options);
            reader.Read();
            var value = JsonElement.ParseValue(ref reader);
            consumed += (int)reader.BytesConsumed;
            return new ImportRow(rowNumber, null, value, null);
        }
        catch (JsonException)
        {
            // The splitter proved the item well-formed, so the only thing left is its depth (or a changed file).
            var (end, depth) = JsonSkipper.Measure(item);
            if (end < 0 || depth <= limits.MaxJsonDepth) return null;
            consumed += end;
            return new ImportRow(rowNumber, null, default, limits.TooDeep(depth));
        }
    }

    private static IEnumerable<ImportRow> ReadJsonLines(Stream file, BatchSlice slice, ImportLimits limits)
    {
        var (buffer, length) = Load(file, slice);
        var options = new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth };
        try
        {
            int pos = 0, read = 0;
            long line = slice.FirstLine;
            while (read < slice.RowCount && pos < length)
            {
                int k = buffer.AsSpan(pos, length - pos).IndexOf((byte)'\n');
                int end = k < 0 ? length : pos + k;
                var row = ParseLine(buffer.AsSpan(pos, end - pos), line, slice.FirstRow + read, options, limits);
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

    private static ImportRow? ParseLine(ReadOnlySpan<byte> text, long line, long rowNumber, JsonReaderOptions options, ImportLimits limits)
    {
        int first = text.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0) return null;
        try
        {
            var reader = new Utf8JsonReader(text, options);
            var value = JsonElement.ParseValue(ref reader);
            reader.Read(); // throws when something other than whitespace follows the value
            if (value.ValueKind == JsonValueKind.Object) return new ImportRow(rowNumber, null, value, null);
            return new ImportRow(rowNumber, null, default, $"Line {line} is not a valid JSON object: it is {Kind(value.ValueKind)}.");
        }
        catch (JsonException e)
        {
            var (end, depth) = JsonSkipper.Measure(text[first..]);
            if (depth > limits.MaxJsonDepth && end > 0 && text[(first + end)..].IndexOfAnyExcept(" \t\r\n"u8) < 0)
                return new ImportRow(rowNumber, null, default, limits.TooDeep(depth));
            return new ImportRow(rowNumber, null, default,
                $"Line {line} is not a valid JSON object: {JsonProblem.Describe(e)}, byte {e.BytePositionInLine + 1}.");
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

    /// <summary>Reads the slice's bytes into a pooled buffer (a slice is at most one batch's bytes, or one row of at most MaxRowBytes).</summary>
    private static (byte[] Buffer, int Length) Load(Stream file, BatchSlice slice)
    {
        if (slice.ByteLength > Array.MaxLength)
            throw new UnreadableFileException($"Batch {slice.BatchNo} is larger than 2 GB; use a smaller batch size.");
        int length = (int)slice.ByteLength;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            file.Seek(slice.ByteOffset, SeekOrigin.Begin);
            file.ReadExactly(buffer, 0, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return (buffer, length);
    }

    private static UnreadableFileException Changed(BatchSlice slice, int found) =>
        new($"Batch {slice.BatchNo} should hold {slice.RowCount} rows from byte offset {slice.ByteOffset}, but only {found} were found there. Has the file changed since it was split?");
}
