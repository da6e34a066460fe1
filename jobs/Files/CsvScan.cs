using System.Buffers;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Files;

/// <summary>
/// RFC 4180 CSV. A quote toggles "inside quotes" wherever it appears, exactly like Sep (which reads the
/// slices later), so both always agree on where rows end. Rows end at CRLF, LF or a lone CR outside quotes.
/// </summary>
/// <remarks>The header, once read, goes to <paramref name="onHeader"/> (if any), which may throw to refuse the file before the rest is read.</remarks>
internal sealed class CsvScan(SliceList slices, string? keyField, int maxColumns, Action<IReadOnlyList<string>>? onHeader = null)
{
    private const int MaxHeaderBytes = 1024 * 1024;
    private static readonly SearchValues<byte> Special = SearchValues.Create("\"\r\n"u8);

    private bool _inQuotes;
    private long _quoteLine;
    private long _line = 1;        // physical line at the current scan position
    private long _rowStart;        // file offset where the current (maybe blank) line starts
    private long _rowLine = 1;
    private long _lastCr = -2;     // offset of the last CR, to count CRLF as one line ending
    private readonly ArrayBufferWriter<byte> _headerBytes = new();

    public string[]? Header { get; private set; }

    public void Scan(ReadOnlySpan<byte> chunk, long offset, int start)
    {
        if (start > 0) _rowStart = offset + start;
        int i = start;
        while (i < chunk.Length)
        {
            int k = chunk[i..].IndexOfAny(Special);
            if (k < 0) break;
            int p = i + k;
            long at = offset + p;
            byte b = chunk[p];
            if (b == '"')
            {
                _inQuotes = !_inQuotes;
                if (_inQuotes) _quoteLine = _line;
            }
            else
            {
                if (b == '\r') { _line++; _lastCr = at; }
                else if (at != _lastCr + 1) _line++;

                if (!_inQuotes)
                {
                    if (at > _rowStart) Row(at, chunk, offset); // else a blank line (or the LF of a CRLF)
                    _rowStart = at + 1;
                    _rowLine = _line;
                }
            }
            i = p + 1;
        }
        if (Header is null) KeepHeaderPart(chunk, offset);
    }

    public void Finish(long fileLength)
    {
        if (_inQuotes)
            throw new UnreadableFileException($"Line {_quoteLine}: a quoted field that starts on this line is never closed.");
        if (fileLength > _rowStart) Row(fileLength, [], fileLength);
        if (Header is null) throw new UnreadableFileException("The file is empty.");
        if (slices.Rows == 0) throw new UnreadableFileException("The file has a header row but no data rows.");
    }

    private void Row(long end, ReadOnlySpan<byte> chunk, long offset)
    {
        if (Header is not null)
        {
            slices.Begin(_rowStart, _rowLine);
            slices.End(end);
            return;
        }
        // The header may have started in an earlier chunk: _headerBytes holds that part.
        if (_rowStart >= offset) _headerBytes.ResetWrittenCount();
        _headerBytes.Write(chunk[(int)Math.Max(0, _rowStart - offset)..(int)(end - offset)]);
        Header = ParseHeader(_headerBytes.WrittenSpan, _rowLine);
        onHeader?.Invoke(Header);
    }

    private void KeepHeaderPart(ReadOnlySpan<byte> chunk, long offset)
    {
        if (_rowStart >= offset) _headerBytes.ResetWrittenCount();
        int from = (int)Math.Min(chunk.Length, Math.Max(0, _rowStart - offset));
        _headerBytes.Write(chunk[from..]);
        if (_headerBytes.WrittenCount <= MaxHeaderBytes) return;
        throw new UnreadableFileException(_inQuotes
            ? $"Line {_quoteLine}: a quoted field that starts on this line is never closed."
            : $"Line {_rowLine}: the header row is longer than 1 MB. Is this really a CSV file?");
    }

    private string[] ParseHeader(ReadOnlySpan<byte> bytes, long line)
    {
        // Parse with Sep so header cells are unquoted exactly like the data rows will be.
        using var reader = Sep.New(',')
            .Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true })
            .From(bytes.ToArray());
        reader.MoveNext();
        if (reader.Current.ColCount > maxColumns)
            throw new UnreadableFileException(
                $"The header (line {line}) has {reader.Current.ColCount:N0} columns; the limit is {maxColumns:N0} (JobTracker:MaxColumns).");
        var names = reader.Current[0..reader.Current.ColCount].ToStringsArray();

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i].Length == 0)
                throw new UnreadableFileException(
                    $"The header (line {line}) has an empty column name in column {i + 1}. Give every column a name.");
            if (!seen.TryAdd(names[i], i))
                throw new UnreadableFileException(
                    $"The header (line {line}) has the column name '{names[i]}' twice (columns {seen[names[i]] + 1} and {i + 1}). Column names must be unique.");
        }
        if (keyField is not null && !names.Any(name => ColumnName.Matches(name, keyField)))
            throw new UnreadableFileException($"The file has no column '{keyField}', the key field of this collection.");
        return names;
    }
}
