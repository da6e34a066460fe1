using System.Text.Json;

namespace JobTracker.Jobs.Files;

/// <summary>The JSON array scanner of <see cref="FileSplitter"/>.</summary>
internal static class JsonArrayScan
{
    private const int MaxJsonTokenBytes = 64 * 1024 * 1024;

    // Records may nest as deep as they like here: how deep is checked per row when the batch is read.
    private static readonly JsonReaderOptions Options = new() { MaxDepth = int.MaxValue };

    /// <summary>
    /// A JSON array of objects, read with Utf8JsonReader over a refilled buffer; only the array's direct
    /// items are looked at, their contents are just tokenized (which also proves the JSON well-formed).
    /// An item longer than <paramref name="maxRowBytes"/> whose single value does not fit the buffer (a
    /// huge string) is stepped over by its brackets (<see cref="JsonSkipper"/>), never held: it becomes a
    /// batch of its own, which the reader fails as too long without reading.
    /// </summary>
    public static void Split(CheckedInput input, SliceList slices, long maxRowBytes)
    {
        var buf = new byte[FileSplitter.ChunkSize];
        int filled = 0, pos = 0;      // buf[pos..filled] is read from the file but not yet consumed
        long bufOffset = 0;           // file offset of buf[0]
        long newlines = 0;            // '\n' bytes in the file before buf[counted]
        int counted = 0;
        var state = new JsonReaderState(Options);
        bool final = false, sawArray = false;
        int depth = 0;                // open objects and arrays, the outer array included
        long itemStart = -1;          // file offset of the open item's '{', or -1 between items
        long itemLine = 0;
        var afterLastItem = state;    // the reader's state just after the last item (or the '['), to resume after a skip
        long lineShift = 0;           // what to add to the reader's line numbers once an item was skipped
        long readerLineAfterLastItem = 0;
        int ignore = 0;               // tokens of the stand-in "{}" a skipped item leaves for the reader

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
                if (itemStart >= 0 && bufOffset + filled - itemStart > maxRowBytes)
                {
                    // The open item is already too long to import and its current value does not fit: step over it.
                    int end = SkipItem(input, ref buf, ref filled, ref bufOffset, ref newlines, depth - 1, slices.Rows, itemLine);
                    slices.End(bufOffset + end);
                    long line = LineAt(end);
                    ReadOnlySpan<byte> standIn = slices.Rows == 1 ? "{}"u8 : ",{}"u8;
                    if (filled - end + standIn.Length > buf.Length) Array.Resize(ref buf, buf.Length * 2);
                    buf.AsSpan(end, filled - end).CopyTo(buf.AsSpan(standIn.Length));
                    standIn.CopyTo(buf);
                    filled = filled - end + standIn.Length;
                    bufOffset += end - standIn.Length;
                    counted = standIn.Length;
                    state = afterLastItem;
                    lineShift = line - 1 - readerLineAfterLastItem;
                    depth = 1;
                    itemStart = -1;
                    ignore = 2;
                }
                else if (buf.Length >= Math.Max(MaxJsonTokenBytes, 2 * maxRowBytes))
                {
                    throw new UnreadableFileException($"Line {newlines + 1}: a single JSON value is longer than {ImportLimits.Size(buf.Length / 2)}.");
                }
                else
                {
                    Array.Resize(ref buf, buf.Length * 2);
                }
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
                    if (token is JsonTokenType.StartObject or JsonTokenType.StartArray) depth++;
                    else if (token is JsonTokenType.EndObject or JsonTokenType.EndArray) depth--;
                    if (!sawArray)
                    {
                        if (token != JsonTokenType.StartArray)
                            throw new UnreadableFileException($"The file must be a JSON array of objects, like [{{...}}, {{...}}]; this one is {Describe(token)}.");
                        sawArray = true;
                        afterLastItem = reader.CurrentState;
                        readerLineAfterLastItem = LineAt(pos + (int)reader.TokenStartIndex) - 1;
                        continue;
                    }
                    if (reader.CurrentDepth != 1) continue; // inside an item, or the closing ']'
                    if (ignore > 0)
                    {
                        ignore--;
                        continue;
                    }

                    int index = pos + (int)reader.TokenStartIndex;
                    if (token == JsonTokenType.StartObject)
                    {
                        itemStart = bufOffset + index;
                        itemLine = LineAt(index);
                        slices.Begin(itemStart, itemLine);
                    }
                    else if (token == JsonTokenType.EndObject)
                    {
                        slices.End(bufOffset + index + 1);
                        itemStart = -1;
                        afterLastItem = reader.CurrentState;
                        readerLineAfterLastItem = LineAt(index) - 1 - lineShift;
                    }
                    else
                    {
                        throw new UnreadableFileException($"Item {slices.Rows + 1} (line {LineAt(index)}) is not a JSON object; it is {Describe(token)}.");
                    }
                }
            }
            catch (JsonException e)
            {
                throw new UnreadableFileException(
                    $"The JSON is malformed at line {e.LineNumber + lineShift + 1}, byte {e.BytePositionInLine + 1}: {JsonProblem.Describe(e)}.");
            }
            pos += (int)reader.BytesConsumed;
            state = reader.CurrentState;
        }
        if (slices.Rows == 0)
            throw new UnreadableFileException("The file holds an empty JSON array: there are no rows to import.");
    }

    /// <summary>
    /// Reads on until the open item ends, keeping nothing: the index in <paramref name="buf"/> just past its
    /// closing brace. buf[0..filled] is the item's unread part; on return it holds the file from bufOffset.
    /// </summary>
    private static int SkipItem(CheckedInput input, ref byte[] buf, ref int filled, ref long bufOffset, ref long newlines, int openDepth, long item, long line)
    {
        var skipper = new JsonSkipper(openDepth);
        int end;
        while ((end = skipper.Scan(buf.AsSpan(0, filled))) < 0)
        {
            newlines += buf.AsSpan(0, filled).Count((byte)'\n');
            bufOffset += filled;
            filled = input.Read(buf);
            if (filled == 0)
                throw new UnreadableFileException($"The JSON is malformed: item {item} (from line {line}) is never closed (a }} or ] is missing).");
        }
        return end;
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
}
