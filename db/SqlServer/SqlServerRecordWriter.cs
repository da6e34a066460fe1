using System.Data;
using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace JobTracker.Db.SqlServer;

/// <summary>
/// Records written a batch at a time, whatever its size, in three round trips: the session's staging
/// table made ready, the batch bulk-copied into it (SqlBulkCopy), then one set-based upsert into
/// records that also returns the positions that created their key.
/// </summary>
internal sealed class SqlServerRecordWriter : RecordWriter
{
    /// <summary>
    /// Created by the first batch and emptied by the next ones. Created again when missing: a batch
    /// rolled back takes the table it created with it. The key column has records.record_key's collation,
    /// not tempdb's, so the two compare.
    /// </summary>
    internal const string PrepareStaging = """
        IF OBJECT_ID(N'tempdb..#records_in') IS NULL
            CREATE TABLE #records_in (
                position   int            NOT NULL PRIMARY KEY,
                record_key nvarchar(800)  COLLATE Latin1_General_100_BIN2 NOT NULL,
                data       varbinary(max) NOT NULL);
        ELSE
            TRUNCATE TABLE #records_in;
        """;

    /// <summary>
    /// As if the batch were written one record at a time in file order, but once per key: a key the
    /// batch writes n times ends with the JSON of its last write and n more writes on its version; a key
    /// not stored before is inserted (in the order of its first write, with version n: created by its
    /// first write, updated by the others). UPDLOCK, HOLDLOCK keep "stored before" true until commit.
    /// Returns the first position of each key that was not stored before: the records that created it.
    /// </summary>
    internal const string Upsert = """
        DECLARE @keys TABLE (
            first_position int           NOT NULL PRIMARY KEY,
            last_position  int           NOT NULL,
            writes         int           NOT NULL,
            record_key     nvarchar(800) COLLATE Latin1_General_100_BIN2 NOT NULL,
            stored         bit           NOT NULL);

        INSERT INTO @keys (first_position, last_position, writes, record_key, stored)
        SELECT k.first_position, k.last_position, k.writes, k.record_key,
               CASE WHEN EXISTS (SELECT 1 FROM records r WITH (UPDLOCK, HOLDLOCK)
                                  WHERE r.collection_id = @collectionId AND r.record_key = k.record_key)
                    THEN 1 ELSE 0 END
          FROM (SELECT record_key, MIN(position) AS first_position, MAX(position) AS last_position, COUNT(*) AS writes
                  FROM #records_in
                 GROUP BY record_key) k;

        UPDATE r
           SET data = i.data, version = r.version + k.writes, last_job_id = @jobId
          FROM records r
          JOIN @keys k ON k.record_key = r.record_key
          JOIN #records_in i ON i.position = k.last_position
         WHERE r.collection_id = @collectionId AND k.stored = 1;

        INSERT INTO records (collection_id, record_key, data, version, last_job_id)
        SELECT @collectionId, k.record_key, i.data, k.writes, @jobId
          FROM @keys k
          JOIN #records_in i ON i.position = k.last_position
         WHERE k.stored = 0
         ORDER BY k.first_position;

        SELECT first_position FROM @keys WHERE stored = 0;
        """;

    private readonly SqlConnection connection;
    private readonly long collectionId;
    private readonly long jobId;
    private readonly DataTable staging = new();

    public SqlServerRecordWriter(SqlConnection connection, long collectionId, long jobId)
    {
        this.connection = connection;
        this.collectionId = collectionId;
        this.jobId = jobId;
        staging.Columns.Add("position", typeof(int));
        staging.Columns.Add("record_key", typeof(string));
        staging.Columns.Add("data", typeof(byte[]));
    }

    /// <remarks>SqlClient wants the transaction on every command, and SqlBulkCopy takes it in its constructor.</remarks>
    public override async Task WriteAsync(IReadOnlyList<RecordWrite> records, bool[] created, DbTransaction transaction, CancellationToken cancellationToken)
    {
        Array.Clear(created, 0, records.Count);
        if (records.Count == 0) return;
        var sqlTransaction = (SqlTransaction)transaction;

        await using (var prepare = new SqlCommand(PrepareStaging, connection, sqlTransaction))
            await prepare.ExecuteNonQueryAsync(cancellationToken);

        staging.Clear();
        for (var i = 0; i < records.Count; i++)
            staging.Rows.Add(i, records[i].Key, records[i].Json.ToArray());
        using (var bulkCopy = new SqlBulkCopy(connection, SqlBulkCopyOptions.Default, sqlTransaction))
        {
            bulkCopy.DestinationTableName = "#records_in";
            foreach (DataColumn column in staging.Columns)
                bulkCopy.ColumnMappings.Add(column.ColumnName, column.ColumnName);
            await bulkCopy.WriteToServerAsync(staging, cancellationToken);
        }
        staging.Clear();

        await using var upsert = new SqlCommand(Upsert, connection, sqlTransaction);
        upsert.Parameters.Add("@collectionId", SqlDbType.BigInt).Value = collectionId;
        upsert.Parameters.Add("@jobId", SqlDbType.BigInt).Value = jobId;
        await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            created[reader.GetInt32(0)] = true;
    }

    public override void Dispose() => staging.Dispose();
}
