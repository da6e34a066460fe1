using System.Buffers;
using System.Text;
using JobTracker.Jobs.Files;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The CSV failed-rows file: the original header line and each failed record's original bytes (quoted
/// fields and line breaks in them kept), each with <see cref="FailedRowsFile.ErrorField"/> and
/// <see cref="FailedRowsFile.ErrorMessage"/> appended as two more CSV fields. Records end where
/// <see cref="CsvScan"/> ends them (CR, LF or CRLF outside quotes; blank lines are not records); lines
/// end as the header's did.
/// </summary>
internal sealed class FailedRowsCsv(Stream source, Stream output, long headerEnd) : FailedRowsWriter(source, output)
{
    private static readonly SearchValues<byte> Special = SearchValues.Create("\"\r\n"u8);
    private byte[] _newline = "\r\n"u8.ToArray();

    /// <summary>The header: the file's bytes before the first row, without the line breaks at its end.</summary>
    public override async Task BeginAsync(CancellationToken cancellationToken)
    {
        Source.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[ChunkBytes];
        var pending = new MemoryStream(); // line breaks not yet known to be inside the header
        for (long left = headerEnd; left > 0;)
        {
            int n = await Source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (n == 0) break;
            left -= n;
            int last = buffer.AsSpan(0, n).LastIndexOfAnyExcept("\r\n"u8);
            if (last < 0)
            {
                pending.Write(buffer, 0, n);
                continue;
            }
            pending.Position = 0;
            await pending.CopyToAsync(Output, cancellationToken);
            pending.SetLength(0);
            await Output.WriteAsync(buffer.AsMemory(0, last + 1), cancellationToken);
            pending.Write(buffer, last + 1, n - last - 1);
        }
        var breaks = pending.ToArray();
        if (breaks.Length > 0)
            _newline = breaks[0] == '\r' ? (breaks.Length > 1 && breaks[1] == '\n' ? "\r\n"u8.ToArray() : "\r"u8.ToArray()) : "\n"u8.ToArray();
        await WriteSuffixAsync(FailedRowsFile.ErrorField, FailedRowsFile.ErrorMessage, cancellationToken);
    }

    public override async Task WriteBatchAsync(BatchSlice slice, IReadOnlyDictionary<long, (string? Field, string? Message)> failures, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, slice.ByteLength))];
        bool inRow = false, inQuotes = false, failing = false;
        long row = slice.FirstRow - 1;
        long position = slice.ByteOffset;
        for (long left = slice.ByteLength; left > 0;)
        {
            Source.Seek(position, SeekOrigin.Begin);
            int n = await Source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (n == 0) throw new UnreadableFileException($"Batch {slice.BatchNo}: the stored file is shorter than its batches say.");
            left -= n;
            position += n;
            int i = 0, from = 0;
            while (i < n)
            {
                if (!inRow)
                {
                    int k = buffer.AsSpan(i, n - i).IndexOfAnyExcept("\r\n"u8);
                    if (k < 0) { i = n; break; }
                    i += k;
                    inRow = true;
                    row++;
                    failing = failures.ContainsKey(row);
                    from = i;
                }
                int s = buffer.AsSpan(i, n - i).IndexOfAny(Special);
                if (s < 0) { i = n; break; }
                i += s;
                if (buffer[i] == '"') inQuotes = !inQuotes;
                else if (!inQuotes)
                {
                    if (failing) await EndRowAsync(buffer.AsMemory(from, i - from), failures[row], cancellationToken);
                    inRow = false;
                }
                i++;
            }
            if (inRow && failing) await Output.WriteAsync(buffer.AsMemory(from, n - from), cancellationToken);
        }
        if (inRow && failing) await EndRowAsync(ReadOnlyMemory<byte>.Empty, failures[row], cancellationToken);
    }

    private async Task EndRowAsync(ReadOnlyMemory<byte> rest, (string? Field, string? Message) failure, CancellationToken cancellationToken)
    {
        await Output.WriteAsync(rest, cancellationToken);
        await WriteSuffixAsync(failure.Field ?? "", failure.Message ?? "", cancellationToken);
    }

    /// <summary>",field,message" and a line break, each value CSV-quoted when it needs it.</summary>
    private async Task WriteSuffixAsync(string field, string message, CancellationToken cancellationToken)
    {
        var text = new StringWriter();
        using (var csv = Sep.New(',').Writer(o => o with { WriteHeader = false, Escape = true }).To(text))
        {
            using var line = csv.NewRow();
            line[0].Set("");
            line[1].Set(AuditLog.SpreadsheetSafe(field));
            line[2].Set(AuditLog.SpreadsheetSafe(message));
        }
        var cells = text.ToString().TrimEnd('\r', '\n');
        await Output.WriteAsync(Encoding.UTF8.GetBytes(cells), cancellationToken);
        await Output.WriteAsync(_newline, cancellationToken);
    }
}
