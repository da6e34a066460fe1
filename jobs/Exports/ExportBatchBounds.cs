namespace JobTracker.Jobs.Exports;

/// <summary>
/// One batch of an export's snapshot: the records at positions [FirstRow, FirstRow + RowCount) in key
/// order (1-based), whose keys lie in [FirstKey, LastKey]. An empty collection has one batch with no
/// records and no keys.
/// </summary>
public sealed record ExportBatchBounds(int BatchNo, long FirstRow, int RowCount, string? FirstKey, string? LastKey);
