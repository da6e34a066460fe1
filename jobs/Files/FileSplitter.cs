using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Checks an uploaded file in one streaming pass and cuts it into batches of rows, recording where each
/// batch's bytes are so a worker can later read just that batch with <see cref="SliceReader"/>.
/// </summary>
/// <remarks>
/// Offsets are absolute file offsets (a UTF-8 BOM counts). A slice runs from the first byte of its first
/// row to the last byte of its last row, line ending excluded; blank lines inside it are skipped by the
/// reader. Line numbers are 1-based physical lines (LF, CRLF, and for CSV also a lone CR, end a line).
/// </remarks>
public static class FileSplitter
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxHeaderBytes = 1024 * 1024;
    private const int MaxJsonTokenBytes = 64 * 1024 * 1024;

    /// <summary>Splits the file (read from its start) into batches of <paramref name="batchSize"/> data rows.</summary>
    /// <exception cref="UnreadableFileException">The file cannot be imported at all; the message says why and where.</exception>
    public static SplitResult Split(Stream file, FileFormat format, int batchSize, string? keyField, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (file.CanSeek) file.Position = 0;

        var input = new CheckedInput(file, format, cancellationToken);
        var slices = new SliceList(batchSize);
        IReadOnlyList<string>? header = null;
        switch (format)
        {
            case FileFormat.Csv:
                var csv = new CsvScan(slices, keyField);
                ScanChunks(input, csv.Scan);
                csv.Finish(input.Position);
                header = csv.Header;
                break;
            case FileFormat.JsonLines:
                var lines = new JsonLinesScan(slices);
                ScanChunks(input, lines.Scan);
                lines.Finish(input.Position);
                break;
            case FileFormat.Json:
                SplitJson(input, slices);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
        return new SplitResult(header, slices.Rows, slices.Finish());
    }

    private delegate void ChunkScanner(ReadOnlySpan<byte> chunk, long offset, int start);

    private static void ScanChunks(CheckedInput input, ChunkScanner scan)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long offset = 0;
            int n;
            while ((n = input.Read(buffer.AsSpan(0, ChunkSize))) > 0)
            {
                scan(buffer.AsSpan(0, n), offset, offset == 0 ? input.BomLength : 0);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// RFC 4180 CSV. A quote toggles "inside quotes" wherever it appears, exactly like Sep (which reads the
    /// slices later), so both always agree on where rows end. Rows end at CRLF, LF or a lone CR outside quotes.
    /// </summary>
    private sealed class CsvScan(SliceList slices, string? keyField)
    {
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
            if (keyField is not null && !seen.ContainsKey(keyField))
                throw new UnreadableFileException($"The file has no column '{keyField}', the key field of this collection.");
            return names;
        }
    }

    /// <summary>JSON Lines: every non-blank line is a row. Whether it is valid JSON is checked per row later.</summary>
    private sealed class JsonLinesScan(SliceList slices)
    {
        private long _line = 1;
        private long _lineStart;
        private bool _hasContent;
        private byte _lastByte;   // last byte of the previous chunk, to spot a CR right before a chunk's first LF

        public void Scan(ReadOnlySpan<byte> chunk, long offset, int start)
        {
            if (start > 0) _lineStart = offset + start;
            int i = start;
            while (true)
            {
                int k = chunk[i..].IndexOf((byte)'\n');
                int stop = k < 0 ? chunk.Length : i + k;
                if (!_hasContent) _hasContent = chunk[i..stop].IndexOfAnyExcept(CheckedInput.Whitespace) >= 0;
                if (k < 0) break;

                long at = offset + stop;
                if (_hasContent)
                {
                    byte before = stop > 0 ? chunk[stop - 1] : _lastByte;
                    AddRow(before == '\r' ? at - 1 : at);
                }
                _line++;
                _lineStart = at + 1;
                _hasContent = false;
                i = stop + 1;
            }
            if (chunk.Length > 0) _lastByte = chunk[^1];
        }

        public void Finish(long fileLength)
        {
            if (_hasContent) AddRow(fileLength);
        }

        private void AddRow(long end)
        {
            slices.Begin(_lineStart, _line);
            slices.End(end);
        }
    }

    /// <summary>
    /// A JSON array of objects, read with Utf8JsonReader over a refilled buffer; only the array's direct
    /// items are looked at, their contents are just tokenized (which also proves the JSON well-formed).
    /// </summary>
    private static void SplitJson(CheckedInput input, SliceList slices)
    {
        var buf = new byte[ChunkSize];
        int filled = 0, pos = 0;      // buf[pos..filled] is read from the file but not yet consumed
        long bufOffset = 0;           // file offset of buf[0]
        long newlines = 0;            // '\n' bytes in the file before buf[counted]
        int counted = 0;
        var state = new JsonReaderState();
        bool final = false, sawArray = false;

        long LineAt(int index)
        {
            newlines += buf.AsSpan(counted, index - counted).Count((byte)'\n');
            counted = index;
            return newlines + 1;
        }

        while (!final)
        {
            LineAt(pos);
            filled -= pos;
            buf.AsSpan(pos, filled).CopyTo(buf);
            bufOffset += pos;
            pos = counted = 0;
            if (filled > buf.Length / 2)
            {
                // A single token (a very long string) does not leave room to read more.
                if (buf.Length >= MaxJsonTokenBytes)
                    throw new UnreadableFileException($"Line {newlines + 1}: a single JSON value is longer than {MaxJsonTokenBytes / (1024 * 1024)} MB.");
                Array.Resize(ref buf, buf.Length * 2);
            }

            bool first = bufOffset == 0 && filled == 0;
            int n = input.Read(buf.AsSpan(filled));
            if (first) pos = counted = input.BomLength;
            filled += n;
            final = n == 0;

            var reader = new Utf8JsonReader(buf.AsSpan(pos, filled - pos), final, state);
            try
            {
                while (reader.Read())
                {
                    var token = reader.TokenType;
                    if (!sawArray)
                    {
                        if (token != JsonTokenType.StartArray)
                            throw new UnreadableFileException($"The file must be a JSON array of objects, like [{{...}}, {{...}}]; this one is {Describe(token)}.");
                        sawArray = true;
                        continue;
                    }
                    if (reader.CurrentDepth != 1) continue; // inside an item, or the closing ']'

                    int index = pos + (int)reader.TokenStartIndex;
                    if (token == JsonTokenType.StartObject)
                        slices.Begin(bufOffset + index, slices.NextStartsSlice ? LineAt(index) : 0);
                    else if (token == JsonTokenType.EndObject)
                        slices.End(bufOffset + index + 1);
                    else
                        throw new UnreadableFileException($"Item {slices.Rows + 1} (line {LineAt(index)}) is not a JSON object; it is {Describe(token)}.");
                }
            }
            catch (JsonException e)
            {
                throw new UnreadableFileException(
                    $"The JSON is malformed at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {ShortReason(e)}");
            }
            pos += (int)reader.BytesConsumed;
            state = reader.CurrentState;
        }
        if (slices.Rows == 0)
            throw new UnreadableFileException("The file holds an empty JSON array: there are no rows to import.");
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "a single object, not an array",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "true/false",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>
    /// System.Text.Json's message without its " LineNumber: 0 | BytePositionInLine: 1." tail (we say where
    /// ourselves), on one line: it may quote the bad input, line breaks included.
    /// </summary>
    internal static string ShortReason(JsonException e)
    {
        var message = e.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim().Replace("\r", "\\r").Replace("\n", "\\n");
    }

    /// <summary>Collects rows into slices of batchSize rows.</summary>
    private sealed class SliceList(int batchSize)
    {
        private readonly List<BatchSlice> _slices = [];
        private long _start, _end, _firstRow, _firstLine;
        private int _count;

        public long Rows { get; private set; }

        /// <summary>True when the next row opens a new slice (callers compute its line only then).</summary>
        public bool NextStartsSlice => _count == 0 || _count == batchSize;

        public void Begin(long start, long line)
        {
            if (NextStartsSlice)
            {
                Close();
                _start = start;
                _firstRow = Rows + 1;
                _firstLine = line;
            }
            Rows++;
            _count++;
        }

        public void End(long end) => _end = end;

        public List<BatchSlice> Finish()
        {
            Close();
            return _slices;
        }

        private void Close()
        {
            if (_count > 0) _slices.Add(new BatchSlice(_slices.Count, _firstRow, _count, _start, _end - _start, _firstLine));
            _count = 0;
        }
    }

    /// <summary>
    /// Reads the file in chunks and rejects what is not text: NUL bytes (binary), UTF-16, invalid UTF-8
    /// (a sequence cut by a chunk boundary is carried over to the next chunk), and files with nothing but
    /// whitespace. Reads return a full buffer except at the end of the file.
    /// </summary>
    private sealed class CheckedInput(Stream stream, FileFormat format, CancellationToken cancellationToken)
    {
        public static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

        private readonly byte[] _carry = new byte[4];   // an incomplete UTF-8 sequence at the end of the last chunk
        private int _carryLength;
        private long _carryOffset;
        private long _newlines;                         // '\n' bytes before Position, for messages
        private bool _sawContent;

        public long Position { get; private set; }
        public int BomLength { get; private set; }

        public int Read(Span<byte> destination)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            var data = destination[..n];
            if (n == 0)
            {
                if (_carryLength > 0) throw NotUtf8(_carryOffset, _newlines + 1);
                if (!_sawContent) throw new UnreadableFileException("The file is empty.");
                return 0;
            }
            if (Position == 0)
            {
                if (data is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
                    throw new UnreadableFileException("The file is UTF-16 text, not UTF-8. Save it as UTF-8 and upload it again.");
                if (data is [0xEF, 0xBB, 0xBF, ..]) BomLength = 3;
            }

            int zero = data.IndexOf((byte)0);
            if (zero >= 0)
                throw new UnreadableFileException(
                    $"The file looks like a binary file, not {FileFormats.Label(format)} text (zero byte at byte offset {Position + zero}).");
            CheckUtf8(data);
            if (!_sawContent) _sawContent = data[(Position == 0 ? BomLength : 0)..].IndexOfAnyExcept(Whitespace) >= 0;
            _newlines += data.Count((byte)'\n');
            Position += n;
            return n;
        }

        private void CheckUtf8(ReadOnlySpan<byte> data)
        {
            int i = 0;
            if (_carryLength > 0)
            {
                int take = Math.Min(SequenceLength(_carry[0]) - _carryLength, data.Length);
                data[..take].CopyTo(_carry.AsSpan(_carryLength));
                _carryLength += take;
                i = take;
                var status = Rune.DecodeFromUtf8(_carry.AsSpan(0, _carryLength), out _, out _);
                if (status == OperationStatus.InvalidData) throw NotUtf8(_carryOffset, _newlines + 1);
                if (status == OperationStatus.NeedMoreData) return; // only when this read was tiny
                _carryLength = 0;
            }

            var rest = data[i..];
            int cut = IncompleteTail(rest);
            int bad = FirstInvalid(rest[..cut]);
            if (bad >= 0) throw NotUtf8(Position + i + bad, _newlines + data[..(i + bad)].Count((byte)'\n') + 1);
            rest[cut..].CopyTo(_carry);
            _carryLength = rest.Length - cut;
            _carryOffset = Position + i + cut;
        }

        private static UnreadableFileException NotUtf8(long offset, long line) =>
            new($"The file is not UTF-8 text: invalid byte at line {line} (byte offset {offset}). Save it as UTF-8 and upload it again.");

        private static int SequenceLength(byte lead) => lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

        /// <summary>Where a multi-byte sequence that the chunk cuts short starts, or the chunk's length.</summary>
        private static int IncompleteTail(ReadOnlySpan<byte> s)
        {
            for (int j = s.Length - 1; j >= Math.Max(0, s.Length - 3); j--)
            {
                byte b = s[j];
                if ((b & 0xC0) == 0x80) continue; // continuation byte: look further back for the lead byte
                return b >= 0xC0 && j + SequenceLength(b) > s.Length ? j : s.Length;
            }
            return s.Length;
        }

        private static int FirstInvalid(ReadOnlySpan<byte> s)
        {
            if (Utf8.IsValid(s)) return -1;
            int i = 0;
            while (true)
            {
                int k = s[i..].IndexOfAnyInRange((byte)0x80, (byte)0xFF);
                if (k < 0) return -1;
                i += k;
                if (Rune.DecodeFromUtf8(s[i..], out _, out int length) != OperationStatus.Done) return i;
                i += length;
            }
        }
    }
}
