using System.Buffers;
using System.Text.Json;

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
    internal const int ChunkSize = 64 * 1024;

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
                JsonArrayScan.Split(input, slices);
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
