namespace JobTracker.Db;

public sealed record BatchRow
{
    public long JobId { get; init; }
    public int BatchNo { get; init; }
    public string Status { get; init; } = "";
    public string? StatusReason { get; init; }
    public long FirstRow { get; init; }
    public int RowCount { get; init; }
    public long ByteOffset { get; init; }
    public long ByteLength { get; init; }
    public long FirstLine { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public int SucceededRows { get; init; }
    public int FailedRows { get; init; }
    public string? FirstKey { get; init; }
    public string? LastKey { get; init; }
    public long? FileId { get; init; }

    /// <summary>The columns under the property names; "RowCount" is quoted, as ROWCOUNT is a T-SQL keyword.</summary>
    public const string Columns = """
        job_id AS JobId, batch_no AS BatchNo, status AS Status, status_reason AS StatusReason,
        first_row AS FirstRow, row_count AS "RowCount", byte_offset AS ByteOffset,
        byte_length AS ByteLength, first_line AS FirstLine, started_at AS StartedAt,
        finished_at AS FinishedAt, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        first_key AS FirstKey, last_key AS LastKey, file_id AS FileId
        """;
}
