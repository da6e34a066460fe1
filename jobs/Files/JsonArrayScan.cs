using System.Text.Json;

namespace JobTracker.Jobs.Files;

/// <summary>The JSON array scanner of <see cref="FileSplitter"/>.</summary>
internal static class JsonArrayScan
{
    private const int MaxJsonTokenBytes = 64 * 1024 * 1024;

    /// <summary>
    /// A JSON array of objects, read with Utf8JsonReader over a refilled buffer; only the array's direct
    /// items are looked at, their contents are just tokenized (which also proves the JSON well-formed).
    /// </summary>
    public static void Split(CheckedInput input, SliceList slices)
    {
        var buf = new byte[FileSplitter.ChunkSize];
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
                    $"The JSON is malformed at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FileSplitter.ShortReason(e)}");
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
}
