using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using JobTracker.Db;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The import audit log: one CSV line per row of the file. Each committed batch stores its entries
/// (compact, gzip) in audit_entries, in the batch's own transaction; the download renders them as
/// CSV in batch order and accounts for rows of batches that never committed (stopped or failed jobs).
/// Its time_utc column is when the row's batch committed, in UTC (ISO 8601 with Z): downloads state
/// UTC in their header, whatever zone the pages show times in.
/// </summary>
public sealed class AuditLog(Database database)
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Failed = "failed";
    public const string NotApplied = "not applied";

    /// <summary>A dry run's row whose key is not in the collection (nor earlier in the file): a real import would create it.</summary>
    public const string WouldCreate = "would create";

    /// <summary>A dry run's row whose key is in the collection or earlier in the file: a real import would update it.</summary>
    public const string WouldUpdate = "would update";

    private static readonly string[] Columns = ["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"];

    /// <summary>How many batches one read of the download takes.</summary>
    internal const int BatchesPerRead = 8;

    /// <summary>
    /// Streams the whole audit log of a job as CSV, in batch order. The batches are read a few at a time,
    /// each read a short query on its own that is over before their lines go to <paramref name="output"/>:
    /// a slow client never holds a query open (nor the read snapshot that would keep a write-ahead log from
    /// being checkpointed) for the length of its download. Each batch is read whole in one query, so its
    /// lines are consistent; a job that is still running shows each batch as it was when it was read.
    /// </summary>
    public Task WriteCsvAsync(long jobId, Stream output, CancellationToken cancellationToken = default) =>
        WriteCsvAsync(jobId, null, output, cancellationToken);

    /// <summary>
    /// The audit log of one batch (<paramref name="batchNo"/>), or of the whole job when it is null: the
    /// same columns either way. A batch number the job does not have gives the header line alone.
    /// </summary>
    public async Task WriteCsvAsync(long jobId, int? batchNo, Stream output, CancellationToken cancellationToken = default)
    {
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        var chunk = new StringWriter();
        using var csv = Sep.New(',').Writer(o => o with { WriteHeader = false, Escape = true }).To(chunk);
        WriteLine(csv, Columns);

        await foreach (var batch in ReadBatchesAsync(jobId, batchNo, failedOnly: false, cancellationToken))
        {
            // Rows that committed carry their batch's commit time; rows not applied have none.
            var time = batch.Entries is not null && batch.FinishedAt is { } finished
                ? DateTime.SpecifyKind(finished, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                : "";
            foreach (var (row, key, outcome, field, message) in batch.Rows())
                WriteEntry(csv, batch.BatchNo, row, key, outcome, field, message, time);
            csv.Flush();
            await text.WriteAsync(chunk.GetStringBuilder(), cancellationToken);
            chunk.GetStringBuilder().Clear();
        }
        csv.Flush();
        await text.WriteAsync(chunk.GetStringBuilder(), cancellationToken);
    }

    /// <summary>
    /// The job's batches in batch order (only <paramref name="batchNo"/> when set; only those with rows
    /// that did not succeed when <paramref name="failedOnly"/>), read <see cref="BatchesPerRead"/> at a
    /// time, each read a short query whose connection is closed before its batches are handed out.
    /// </summary>
    internal async IAsyncEnumerable<AuditBatch> ReadBatchesAsync(
        long jobId, int? batchNo, bool failedOnly, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = batchNo is { } only ? only - 1 : -1;
        while (true)
        {
            var batches = await ReadBatchesAsync(jobId, after, batchNo is null ? BatchesPerRead : 1, failedOnly, cancellationToken);
            foreach (var batch in batches)
                if (batchNo is null || batch.BatchNo == batchNo) yield return batch;
            if (batchNo is not null || batches.Count < BatchesPerRead) yield break;
            after = batches[^1].BatchNo;
        }
    }

    /// <summary>The next few batches after batch <paramref name="after"/>, with their stored entries: one short query, its connection closed on return.</summary>
    private async Task<List<AuditBatch>> ReadBatchesAsync(long jobId, int after, int take, bool failedOnly, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var batches = await connection.QueryAsync<AuditBatch>(new CommandDefinition($"""
            SELECT b.batch_no AS BatchNo, b.status AS Status, b.status_reason AS StatusReason, b.first_row AS FirstRow,
                   b.row_count AS "RowCount", b.byte_offset AS ByteOffset, b.byte_length AS ByteLength,
                   b.first_line AS FirstLine, b.finished_at AS FinishedAt, a.entries AS Entries
              FROM batches b
              LEFT JOIN audit_entries a ON a.job_id = b.job_id AND a.batch_no = b.batch_no
             WHERE b.job_id = @jobId AND b.batch_no > @after
               AND (@failedOnly = 0 OR b.status <> @Completed OR b.failed_rows > 0)
             ORDER BY b.batch_no {database.Provider.Paging}
            """, new { jobId, after, failedOnly = failedOnly ? 1 : 0, Completed = Status.Completed, Skip = 0, Take = take }, cancellationToken: cancellationToken));
        return batches.AsList();
    }

    private static void WriteEntry(SepWriter csv, int batchNo, long row, string? key, string outcome, string? field, string? message, string timeUtc)
    {
        using var line = csv.NewRow();
        line[0].Format(row);
        line[1].Format(batchNo);
        line[2].Set(SpreadsheetSafe(key));
        line[3].Set(outcome);
        line[4].Set(SpreadsheetSafe(field));
        line[5].Set(SpreadsheetSafe(message));
        line[6].Set(timeUtc);
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
