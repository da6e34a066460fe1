namespace JobTracker.Db;

/// <summary>A job row as the engine and the pages read it.</summary>
public sealed record JobRow
{
    public long Id { get; init; }
    public long CollectionId { get; init; }
    public string JobType { get; init; } = "";
    public string FileName { get; init; } = "";
    public string? FileFormat { get; init; }
    public long? SourceFileId { get; init; }
    public string Status { get; init; } = "";
    public string? StatusReason { get; init; }
    public string InitiatedBy { get; init; } = "";
    public int BatchSize { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public long? TotalRows { get; init; }
    public long SucceededRows { get; init; }
    public long FailedRows { get; init; }
    public int? BatchCount { get; init; }
    public string? CsvHeader { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTime? LeaseUntil { get; init; }
    public string? ExportName { get; init; }
    public long? ScheduleId { get; init; }
    public DateTime? ScheduledFor { get; init; }
    public string? Note { get; init; }

    /// <summary>A dry run ("Validate only"): validated and matched like an import, nothing written to the collection.</summary>
    public bool DryRun { get; init; }

    /// <summary>The import whose failed rows this job retries, if it is a retry.</summary>
    public long? RetryOfJobId { get; init; }

    /// <summary>
    /// A CSV import's column mapping as JSON (which field each column fills, or null when ignored): chosen on the
    /// mapping page when the job is submitted, completed by the default matching when its file is split.
    /// </summary>
    public string? ColumnMapping { get; init; }

    public const string Columns = """
        id AS Id, collection_id AS CollectionId, job_type AS JobType, file_name AS FileName,
        file_format AS FileFormat, source_file_id AS SourceFileId, status AS Status,
        status_reason AS StatusReason, initiated_by AS InitiatedBy, batch_size AS BatchSize,
        created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt,
        total_rows AS TotalRows, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        batch_count AS BatchCount, csv_header AS CsvHeader, lease_owner AS LeaseOwner,
        lease_until AS LeaseUntil, export_name AS ExportName, schedule_id AS ScheduleId,
        scheduled_for AS ScheduledFor, note AS Note, dry_run AS DryRun,
        retry_of_job_id AS RetryOfJobId, column_mapping AS ColumnMapping
        """;
}
