using System.Data.Common;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace JobTracker.Db.PostgreSql;

/// <summary>
/// Writes a batch in two round trips: a binary COPY of the batch (position, key, JSON) into a temp
/// table, then one INSERT … ON CONFLICT that upserts each key once with its last JSON in file order
/// and counts every write of it in the version, returning the keys it inserted.
/// </summary>
internal sealed class PostgreSqlRecordWriter(NpgsqlConnection connection, long collectionId) : RecordWriter
{
    /// <summary>Emptied by every commit; a rollback drops it, so each batch makes sure it is there.</summary>
    internal const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS records_in (
            position   integer NOT NULL,
            record_key text    NOT NULL COLLATE "C",
            data       text    NOT NULL
        ) ON COMMIT DELETE ROWS
        """;

    internal const string CopyStaging = "COPY records_in (position, record_key, data) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Each key once, with its last JSON and how many times the batch writes it: a new key starts at
    /// that version, a stored one adds it (as one write after another would). xmax = 0 marks an insert.
    /// </summary>
    internal const string Upsert = """
        INSERT INTO records (collection_id, record_key, data, version)
        SELECT @collectionId, record_key, data, writes
          FROM (SELECT DISTINCT ON (record_key) record_key, data, COUNT(*) OVER (PARTITION BY record_key) AS writes
                  FROM records_in
                 ORDER BY record_key, position DESC) AS last_writes
        ON CONFLICT (collection_id, record_key)
        DO UPDATE SET data = EXCLUDED.data, version = records.version + EXCLUDED.version
        RETURNING record_key, xmax = 0 AS inserted
        """;

    public override async Task WriteAsync(IReadOnlyList<RecordWrite> records, bool[] created, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;
        await using (var create = new NpgsqlCommand(CreateStaging, connection))
            await create.ExecuteNonQueryAsync(cancellationToken);

        await using (var copy = await connection.BeginBinaryImportAsync(CopyStaging, cancellationToken))
        {
            for (var i = 0; i < records.Count; i++)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(records[i].Key, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(Encoding.UTF8.GetString(records[i].Json), NpgsqlDbType.Text, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var upsert = new NpgsqlCommand(Upsert, connection))
        {
            upsert.Parameters.AddWithValue("collectionId", collectionId);
            await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetBoolean(1)) inserted.Add(reader.GetString(0));
            }
        }

        // The first write of an inserted key created it; every other write updated.
        for (var i = 0; i < records.Count; i++)
            created[i] = inserted.Remove(records[i].Key);
    }

    public override void Dispose()
    {
    }
}
