using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>A batch whose rows are validated and built, ready to be written.</summary>
internal sealed record PreparedBatch(BatchRow Batch, List<PreparedRow> Rows);

internal readonly record struct PreparedRow(long RowNumber, string? Key, byte[]? Json, RowFailure? Failure);
