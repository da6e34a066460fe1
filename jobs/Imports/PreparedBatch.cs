using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>A batch whose rows are validated and built, ready to be written; <see cref="Bytes"/> is the size of its records' JSON.</summary>
internal sealed record PreparedBatch(BatchRow Batch, List<PreparedRow> Rows, long Bytes);

internal readonly record struct PreparedRow(long RowNumber, string? Key, ReadOnlyMemory<byte> Json, RowFailure? Failure);
