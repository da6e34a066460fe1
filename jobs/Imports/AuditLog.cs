using System.Text;
using Dapper;
using JobTracker.Db;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The import audit log: one CSV line per row of the file. Each committed batch stores its entries
/// (compact, gzip) in audit_entries, in the batch's own transaction; the download renders them as
/// CSV in batch order and accounts for rows of batches that never committed (stopped or failed jobs).
/// </summary>
public sealed class AuditLog(Database database)
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Failed = "failed";
    public const string NotApplied = "not applied";

    private static readonly string[] Columns = ["row", "batch_id", "record_key", "outcome", "field", "message"];

    /// <summary>Streams the whole audit log of a job as CSV, one batch at a time.</summary>
    public async Task WriteCsvAsync(long jobId, Stream output, CancellationToken cancellationToken = default)
    {
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        var chunk = new StringWriter();
        using var csv = Sep.New(',').Writer(o => o with { WriteHeader = false, Escape = true }).To(chunk);
        WriteLine(csv, Columns);

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
            var batchNo = reader.GetInt32(0);
            if (!reader.IsDBNull(5))
            {
                using var entries = reader.GetStream(5);
                foreach (var entry in BatchAudit.Read(entries))
                    WriteEntry(csv, batchNo, entry.Row, entry.Key, entry.Outcome, entry.Field, entry.Message);
            }
            else
            {
                // No committed audit: the batch never applied. Say so for each of its rows.
                var status = reader.GetString(1);
                var reason = reader.IsDBNull(2) ? null : reader.GetString(2);
                var message = status switch
                {
                    Status.Queued or Status.InProgress => "Not applied yet: the batch has not run.",
                    _ => reason ?? $"Not applied: the batch is {status}.",
                };
                var firstRow = reader.GetInt64(3);
                for (var row = firstRow; row < firstRow + reader.GetInt32(4); row++)
                    WriteEntry(csv, batchNo, row, null, NotApplied, null, message);
            }
            csv.Flush();
            await text.WriteAsync(chunk.GetStringBuilder(), cancellationToken);
            chunk.GetStringBuilder().Clear();
        }
        csv.Flush();
        await text.WriteAsync(chunk.GetStringBuilder(), cancellationToken);
    }

    private static void WriteEntry(SepWriter csv, int batchNo, long row, string? key, string outcome, string? field, string? message)
    {
        using var line = csv.NewRow();
        line[0].Format(row);
        line[1].Format(batchNo);
        line[2].Set(SpreadsheetSafe(key));
        line[3].Set(outcome);
        line[4].Set(SpreadsheetSafe(field));
        line[5].Set(SpreadsheetSafe(message));
    }

    private static void WriteLine(SepWriter csv, string[] cells)
    {
        using var line = csv.NewRow();
        for (var i = 0; i < cells.Length; i++) line[i].Set(cells[i]);
    }

    /// <summary>
    /// Keeps a cell from being read as a formula by a spreadsheet: a cell that begins with
    /// =, +, -, @, tab or carriage return gets a leading apostrophe.
    /// </summary>
    public static string SpreadsheetSafe(string? value) =>
        string.IsNullOrEmpty(value) || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r') ? value ?? "" : "'" + value;
}
