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
}
