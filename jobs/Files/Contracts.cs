using System.Text.Json;

namespace JobTracker.Jobs.Files;

/// <summary>The file types an import accepts.</summary>
public enum FileFormat { Csv, Json, JsonLines }

/// <summary>
/// A file the engine cannot read at all (binary, malformed JSON, unbalanced quote, wrong encoding,
/// empty, header only, no key column). The message is shown to the user as the job's reason, so it
/// says what is wrong and where (line or byte) in words a person can act on.
/// </summary>
public sealed class UnreadableFileException(string message) : Exception(message);

/// <summary>
/// One batch's part of the source file: data rows [FirstRow, FirstRow + RowCount) (1-based, header
/// excluded), stored in bytes [ByteOffset, ByteOffset + ByteLength) and starting on physical line FirstLine.
/// </summary>
public sealed record BatchSlice(int BatchNo, long FirstRow, int RowCount, long ByteOffset, long ByteLength, long FirstLine);

/// <summary>The result of splitting a file: its CSV header (null for JSON), row count and batches.</summary>
public sealed record SplitResult(IReadOnlyList<string>? CsvHeader, long TotalRows, IReadOnlyList<BatchSlice> Batches);

/// <summary>
/// One data row read back from a slice. For CSV, <see cref="CsvValues"/> holds the values in header
/// order; for JSON and JSON Lines, <see cref="Json"/> holds the object. <see cref="Error"/> is set
/// when this one row cannot be read (a CSV row with the wrong number of fields, a JSON Lines line
/// that is not a JSON object) - the row fails, the rest of the file goes on.
/// </summary>
public readonly record struct ImportRow(long RowNumber, string[]? CsvValues, JsonElement Json, string? Error);

/// <summary>Why one row was not applied: the field at fault (if any) and a message for a person.</summary>
public sealed record RowFailure(string? Field, string Message);
