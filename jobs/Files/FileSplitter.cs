using System.Buffers;

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

    /// <summary>Splits the file (read from its start) into batches of <paramref name="batchSize"/> data rows, with the default <see cref="ImportLimits"/>.</summary>
    /// <exception cref="UnreadableFileException">The file cannot be imported at all; the message says why and where.</exception>
    public static SplitResult Split(Stream file, FileFormat format, int batchSize, string? keyField, CancellationToken cancellationToken) =>
        Split(file, format, batchSize, keyField, ImportLimits.Default, cancellationToken);

    /// <summary>
    /// Splits the file (read from its start) into batches of at most <paramref name="batchSize"/> data rows
    /// and <see cref="ImportLimits.BatchMaxBytes"/> bytes; a row longer than that is a batch of its own.
    /// Only a CSV header is ever held in memory, never a data row.
    /// </summary>
    /// <exception cref="UnreadableFileException">The file cannot be imported at all; the message says why and where.</exception>
    public static SplitResult Split(Stream file, FileFormat format, int batchSize, string? keyField, ImportLimits limits, CancellationToken cancellationToken) =>
        Split(file, format, batchSize, keyField, limits, null, cancellationToken);

    /// <summary>
    /// Splits the file as the overload without <paramref name="onHeader"/> does; a CSV file's header goes to
    /// <paramref name="onHeader"/> as soon as it is read, which may throw <see cref="UnreadableFileException"/>
    /// to refuse the file before the rest of it is read (the import resolves its <see cref="ColumnMapping"/> there).
    /// A <paramref name="keyField"/> must be matched by a column's name, exactly or ignoring case, spaces and punctuation.
    /// </summary>
    /// <exception cref="UnreadableFileException">The file cannot be imported at all; the message says why and where.</exception>
    public static SplitResult Split(
        Stream file, FileFormat format, int batchSize, string? keyField, ImportLimits limits, Action<IReadOnlyList<string>>? onHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (file.CanSeek) file.Position = 0;

        var input = new CheckedInput(file, format, cancellationToken);
        var slices = new SliceList(batchSize, limits.BatchMaxBytes, limits.MaxRowBytes);
        IReadOnlyList<string>? header = null;
        switch (format)
        {
            case FileFormat.Csv:
                var csv = new CsvScan(slices, keyField, limits.MaxColumns, onHeader);
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
                JsonArrayScan.Split(input, slices, limits.MaxRowBytes);
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
}
