namespace JobTracker.Jobs.Files;

/// <summary>The result of splitting a file: its CSV header (null for JSON), row count and batches.</summary>
public sealed record SplitResult(IReadOnlyList<string>? CsvHeader, long TotalRows, IReadOnlyList<BatchSlice> Batches);
