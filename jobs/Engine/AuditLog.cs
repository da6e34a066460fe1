using System.IO.Compression;
using System.Text;
using Dapper;
using JobTracker.Db;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Engine;

/// <summary>
/// The import audit log: one CSV line per row of the file. Each committed batch stores its own
/// lines (gzip) in audit_entries, in the batch's transaction; the download joins them in batch
/// order and accounts for rows of batches that never committed (stopped or failed jobs).
/// </summary>
public sealed class AuditLog(Database database)
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Failed = "failed";
    public const string NotApplied = "not applied";

    private static readonly string[] Columns = ["row", "batch_id", "record_key", "outcome", "field", "message"];

    /// <summary>Streams the whole audit log of a job as CSV.</summary>
    public async Task WriteCsvAsync(long jobId, Stream output, CancellationToken cancellationToken = default)
    {
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        await text.WriteAsync(string.Join(',', Columns) + "\r\n");

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync("""
            SELECT b.batch_no, b.status, b.status_reason, b.first_row, b.row_count, a.entries
              FROM batches b
              LEFT JOIN audit_entries a ON a.job_id = b.job_id AND a.batch_no = b.batch_no
             WHERE b.job_id = @jobId
             ORDER BY b.batch_no
            """, new { jobId });
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(5))
            {
                await using var entries = new GZipStream(reader.GetStream(5), CompressionMode.Decompress);
                using var decoded = new StreamReader(entries, Encoding.UTF8);
                await text.FlushAsync(cancellationToken);
                // The stored lines are already CSV in the download's encoding: copy them through.
                char[] buffer = new char[1 << 14];
                int read;
                while ((read = await decoded.ReadAsync(buffer, cancellationToken)) > 0)
                    await text.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                continue;
            }

            // No committed audit: the batch never applied. Say so for each of its rows.
            var batchNo = reader.GetInt32(0);
            var status = reader.GetString(1);
            var reason = reader.IsDBNull(2) ? null : reader.GetString(2);
            var firstRow = reader.GetInt64(3);
            var rowCount = reader.GetInt32(4);
            var message = status switch
            {
                Status.Queued or Status.InProgress => "Not applied yet: the batch has not run.",
                _ => reason ?? $"Not applied: the batch is {status}.",
            };
            var lines = new BatchAudit(batchNo);
            for (var row = firstRow; row < firstRow + rowCount; row++)
                lines.Add(row, null, NotApplied, null, message);
            await text.WriteAsync(lines.ToText());
        }
    }

    /// <summary>Reads a batch's stored lines back as text (tests and tools).</summary>
    public static string Decompress(byte[] entries)
    {
        using var gzip = new GZipStream(new MemoryStream(entries), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Keeps a cell from being read as a formula by a spreadsheet: a cell that begins with
    /// =, +, -, @, tab or carriage return gets a leading apostrophe.
    /// </summary>
    public static string SpreadsheetSafe(string? value) =>
        string.IsNullOrEmpty(value) || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r') ? value ?? "" : "'" + value;
}

/// <summary>The audit lines of one batch, built while the batch runs.</summary>
public sealed class BatchAudit
{
    private readonly int batchNo;
    private readonly StringWriter text = new();
    private readonly SepWriter writer;

    public BatchAudit(int batchNo)
    {
        this.batchNo = batchNo;
        writer = Sep.New(',').Writer(o => o with { WriteHeader = false, Escape = true }).To(text);
    }

    public void Add(long row, string? key, string outcome, string? field, string? message)
    {
        using var line = writer.NewRow();
        line["row"].Format(row);
        line["batch_id"].Format(batchNo);
        line["record_key"].Set(AuditLog.SpreadsheetSafe(key));
        line["outcome"].Set(outcome);
        line["field"].Set(AuditLog.SpreadsheetSafe(field));
        line["message"].Set(AuditLog.SpreadsheetSafe(message));
    }

    public string ToText()
    {
        writer.Flush();
        return text.ToString();
    }

    /// <summary>The lines gzip-compressed, as stored in audit_entries.</summary>
    public byte[] ToCompressed()
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var encoded = new StreamWriter(gzip, new UTF8Encoding(false)))
        {
            encoded.Write(ToText());
        }
        return output.ToArray();
    }
}
