using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// One record of a collection (?key=): its JSON formatted, its version and the job that last wrote it
/// ("—" for records written before the job was stored with each write).
/// </summary>
public sealed class RecordModel(Database database) : PageModel
{
    public sealed record StoredRecord
    {
        public long Version { get; init; }
        public long? LastJobId { get; init; }

        /// <summary>Text on the embedded database and PostgreSQL, UTF-8 bytes on SQL Server.</summary>
        public object Data { get; init; } = "";
    }

    public CollectionHeading Collection { get; private set; } = new();

    public string Key { get; private set; } = "";

    public long Version { get; private set; }

    public long? LastJobId { get; private set; }

    /// <summary>The last job was deleted by the retention cleanup (JobTracker:Retention:FinishedJobDays); the record keeps its data.</summary>
    public bool LastJobExpired { get; private set; }

    /// <summary>The record's JSON, indented (Razor HTML-encodes it where it is shown).</summary>
    public string Json { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long id, string? key)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null || key is null) return NotFound();
        var record = await connection.QuerySingleOrDefaultAsync<StoredRecord>("""
            SELECT version AS Version, last_job_id AS LastJobId, data AS Data
              FROM records
             WHERE collection_id = @id AND record_key = @key
            """, new { id, key });
        if (record is null) return NotFound();
        Collection = collection;
        Key = key;
        Version = record.Version;
        LastJobId = record.LastJobId;
        LastJobExpired = record.LastJobId is { } jobId
            && await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE id = @jobId", new { jobId }) == 0;
        Json = Indent(record.Data is byte[] bytes ? bytes : Encoding.UTF8.GetBytes(record.Data.ToString() ?? ""));
        return Page();
    }

    /// <summary>The JSON indented as it is (numbers and strings unchanged, non-ASCII kept); stored text that is not JSON is shown as it is.</summary>
    public static string Indent(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new ArrayBufferWriter<byte>(json.Length * 2 + 16);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                document.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(json);
        }
    }
}
