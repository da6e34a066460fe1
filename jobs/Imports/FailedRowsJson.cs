using System.Buffers;
using System.Text;
using System.Text.Json;
using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The JSON (an array) or JSON Lines failed-rows file: each failed record's original bytes with the
/// fields <see cref="FailedRowsFile.ErrorField"/> and <see cref="FailedRowsFile.ErrorMessage"/> added
/// before its closing brace. A JSON Lines line that is not a JSON object cannot take fields: it becomes
/// an object of the two fields alone, the message quoting the start of the line.
/// </summary>
internal sealed class FailedRowsJson(Stream source, Stream output, bool array) : FailedRowsWriter(source, output)
{
    /// <summary>A one-row batch longer than this is copied through in chunks rather than read whole.</summary>
    private const int ReadWholeBytes = 1 << 20;

    private const int QuotedLineChars = 200;

    private bool _first = true;

    public override Task BeginAsync(CancellationToken cancellationToken) =>
        array ? Output.WriteAsync("["u8.ToArray(), cancellationToken).AsTask() : Task.CompletedTask;

    public override Task EndAsync(CancellationToken cancellationToken) =>
        array ? Output.WriteAsync((_first ? "]\n"u8 : "\n]\n"u8).ToArray(), cancellationToken).AsTask() : Task.CompletedTask;

    public override async Task WriteBatchAsync(BatchSlice slice, IReadOnlyDictionary<long, (string? Field, string? Message)> failures, CancellationToken cancellationToken)
    {
        if (slice.RowCount == 1 && slice.ByteLength > ReadWholeBytes)
        {
            await WriteLongRowAsync(slice, failures[slice.FirstRow], cancellationToken);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)slice.ByteLength);
        try
        {
            Source.Seek(slice.ByteOffset, SeekOrigin.Begin);
            await Source.ReadExactlyAsync(buffer.AsMemory(0, (int)slice.ByteLength), cancellationToken);
            var rows = new List<(long Row, int Start, int Length)>();
            FindRows(buffer.AsSpan(0, (int)slice.ByteLength), slice.FirstRow, failures, rows);
            foreach (var (row, start, length) in rows)
                await WriteRowAsync(buffer.AsMemory(start, length), failures[row], cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Where each failed row is in the slice: an item of the array, or a line's text without the whitespace around it.</summary>
    private void FindRows(ReadOnlySpan<byte> bytes, long row, IReadOnlyDictionary<long, (string? Field, string? Message)> failures, List<(long, int, int)> rows)
    {
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (array)
            {
                int k = bytes[pos..].IndexOfAnyExcept(" \t\r\n,"u8);
                if (k < 0) return;
                pos += k;
                var (end, _) = JsonSkipper.Measure(bytes[pos..]);
                if (end < 0) end = bytes.Length - pos;
                if (failures.ContainsKey(row)) rows.Add((row, pos, end));
                row++;
                pos += end;
                continue;
            }
            int n = bytes[pos..].IndexOf((byte)'\n');
            int lineEnd = n < 0 ? bytes.Length : pos + n;
            var line = bytes[pos..lineEnd];
            int first = line.IndexOfAnyExcept(" \t\r\n"u8);
            if (first >= 0)
            {
                int last = line.LastIndexOfAnyExcept(" \t\r\n"u8);
                if (failures.ContainsKey(row)) rows.Add((row, pos + first, last - first + 1));
                row++;
            }
            pos = lineEnd + 1;
        }
    }

    private async Task WriteRowAsync(ReadOnlyMemory<byte> text, (string? Field, string? Message) failure, CancellationToken cancellationToken)
    {
        await SeparateAsync(cancellationToken);
        if (IsObject(text.Span))
        {
            bool empty = text.Span[1..^1].IndexOfAnyExcept(" \t\r\n"u8) < 0;
            await Output.WriteAsync(text[..^1], cancellationToken);
            await WriteFieldsAsync(failure.Field, failure.Message, comma: !empty, cancellationToken);
            return;
        }
        var quoted = Encoding.UTF8.GetString(text.Span[..Math.Min(text.Length, QuotedLineChars * 4)]);
        if (quoted.Length > QuotedLineChars) quoted = quoted[..QuotedLineChars] + "…";
        await Output.WriteAsync("{"u8.ToArray(), cancellationToken);
        await WriteFieldsAsync(failure.Field, $"{failure.Message} The line was: {quoted}", comma: false, cancellationToken);
    }

    private static bool IsObject(ReadOnlySpan<byte> text) =>
        text.Length >= 2 && text[0] == '{' && JsonSkipper.Measure(text).End == text.Length;

    /// <summary>A row too long to read whole (it failed for its length): copied up to its closing brace in chunks.</summary>
    private async Task WriteLongRowAsync(BatchSlice slice, (string? Field, string? Message) failure, CancellationToken cancellationToken)
    {
        var head = new byte[64];
        var tail = new byte[64];
        Source.Seek(slice.ByteOffset, SeekOrigin.Begin);
        await Source.ReadExactlyAsync(head, cancellationToken);
        Source.Seek(slice.ByteOffset + slice.ByteLength - tail.Length, SeekOrigin.Begin);
        await Source.ReadExactlyAsync(tail, cancellationToken);
        int first = head.AsSpan().IndexOfAnyExcept(" \t\r\n,"u8);
        int last = tail.AsSpan().LastIndexOfAnyExcept(" \t\r\n,"u8);
        if (first < 0 || last < 0 || head[first] != '{' || tail[last] != '}')
        {
            await WriteRowAsync(head.AsMemory(Math.Max(0, first)), failure, cancellationToken);
            return;
        }
        await SeparateAsync(cancellationToken);
        await CopyAsync(slice.ByteOffset + first, slice.ByteOffset + slice.ByteLength - tail.Length + last, cancellationToken);
        await WriteFieldsAsync(failure.Field, failure.Message, comma: true, cancellationToken);
    }

    private async Task SeparateAsync(CancellationToken cancellationToken)
    {
        if (array) await Output.WriteAsync((_first ? "\n"u8 : ",\n"u8).ToArray(), cancellationToken);
        _first = false;
    }

    /// <summary>The two error fields and the closing brace (and, for JSON Lines, the line break).</summary>
    private async Task WriteFieldsAsync(string? field, string? message, bool comma, CancellationToken cancellationToken)
    {
        var fields = new ArrayBufferWriter<byte>(256);
        if (comma) fields.Write(","u8);
        fields.Write(JsonSerializer.SerializeToUtf8Bytes(FailedRowsFile.ErrorField));
        fields.Write(":"u8);
        fields.Write(JsonSerializer.SerializeToUtf8Bytes(field));
        fields.Write(","u8);
        fields.Write(JsonSerializer.SerializeToUtf8Bytes(FailedRowsFile.ErrorMessage));
        fields.Write(":"u8);
        fields.Write(JsonSerializer.SerializeToUtf8Bytes(message));
        fields.Write(array ? "}"u8 : "}\n"u8);
        await Output.WriteAsync(fields.WrittenMemory, cancellationToken);
    }
}
