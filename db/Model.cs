namespace JobTracker.Db;

/// <summary>Job and batch statuses, as users see them.</summary>
public static class Status
{
    public const string Queued = "QUEUED";
    public const string InProgress = "IN PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Canceled = "CANCELED";
    public const string RanWithErrors = "RAN WITH ERRORS";
    public const string Failed = "FAILED";

    public static bool IsFinished(string status) =>
        status is Completed or Canceled or RanWithErrors or Failed;
}

public static class JobTypes
{
    public const string Import = "Import";
    public const string Export = "Export";
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Support = "support";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Support, Viewer];
}

public static class FieldTypes
{
    public const string String = "string";
    public const string Integer = "integer";
    public const string Decimal = "decimal";
    public const string Boolean = "boolean";
    public const string DateTime = "datetime";

    public static readonly string[] All = [String, Integer, Decimal, Boolean, DateTime];
}

/// <summary>One field of a collection's schema (stored as JSON in collections.schema_json).</summary>
public sealed record SchemaField(string Name, string Type, bool Required);

public sealed record CollectionRow(long Id, long WorkspaceId, string Name, string? KeyField, string SchemaJson)
{
    public IReadOnlyList<SchemaField> Schema => CollectionSchema.Parse(SchemaJson);
}

public static class CollectionSchema
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IReadOnlyList<SchemaField> Parse(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<SchemaField>>(json, Options) ?? [];

    public static string Serialize(IEnumerable<SchemaField> fields) =>
        System.Text.Json.JsonSerializer.Serialize(fields, Options);
}

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

    public const string Columns = """
        id AS Id, collection_id AS CollectionId, job_type AS JobType, file_name AS FileName,
        file_format AS FileFormat, source_file_id AS SourceFileId, status AS Status,
        status_reason AS StatusReason, initiated_by AS InitiatedBy, batch_size AS BatchSize,
        created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt,
        total_rows AS TotalRows, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        batch_count AS BatchCount, csv_header AS CsvHeader, lease_owner AS LeaseOwner,
        lease_until AS LeaseUntil, export_name AS ExportName, schedule_id AS ScheduleId,
        scheduled_for AS ScheduledFor, note AS Note
        """;
}

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

    public const string Columns = """
        job_id AS JobId, batch_no AS BatchNo, status AS Status, status_reason AS StatusReason,
        first_row AS FirstRow, row_count AS RowCount, byte_offset AS ByteOffset,
        byte_length AS ByteLength, first_line AS FirstLine, started_at AS StartedAt,
        finished_at AS FinishedAt, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        first_key AS FirstKey, last_key AS LastKey, file_id AS FileId
        """;
}
