using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace JobTracker.Db.Sqlite;

/// <summary>
/// Records written straight through SQLitePCL, under Microsoft.Data.Sqlite: a prepared statement
/// stepped per record costs about half of what an ADO.NET command execution does.
/// </summary>
internal sealed class SqliteRecordWriter : RecordWriter
{
    private const int CancellationCheckEvery = 256;

    private readonly sqlite3 db;
    private readonly sqlite3_stmt insert;
    private readonly sqlite3_stmt update;
    private readonly WalCheckpointer? checkpointer;

    public SqliteRecordWriter(sqlite3 db, long collectionId, long jobId)
    {
        this.db = db;
        insert = Prepare("INSERT INTO records (collection_id, record_key, data, last_job_id) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", collectionId, jobId);
        update = Prepare("UPDATE records SET data = ?3, version = version + 1, last_job_id = ?4 WHERE collection_id = ?1 AND record_key = ?2", collectionId, jobId);
        checkpointer = WalCheckpointer.For(db);
    }

    private sqlite3_stmt Prepare(string sql, long collectionId, long jobId)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        raw.sqlite3_bind_int64(statement, 1, collectionId); // bindings outlive sqlite3_reset
        raw.sqlite3_bind_int64(statement, 4, jobId);
        return statement;
    }

    /// <remarks>
    /// One prepared INSERT … ON CONFLICT DO NOTHING per record, and an UPDATE when it inserted nothing:
    /// SQLite runs in this process, so a statement per record costs less than any bulk path.
    /// </remarks>
    public override Task WriteAsync(IReadOnlyList<RecordWrite> records, bool[] created, DbTransaction transaction, CancellationToken cancellationToken)
    {
        NativeHeap.TrimNow();
        for (var i = 0; i < records.Count; i++)
        {
            if (i % CancellationCheckEvery == 0) cancellationToken.ThrowIfCancellationRequested();
            var (key, json) = records[i];
            created[i] = Step(insert, key, json.Span) == 1;
            if (!created[i]) Step(update, key, json.Span);
        }
        return Task.CompletedTask;
    }

    private int Step(sqlite3_stmt statement, string key, ReadOnlySpan<byte> json)
    {
        raw.sqlite3_bind_text(statement, 2, key);
        raw.sqlite3_bind_text(statement, 3, json);
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
        return raw.sqlite3_changes(db);
    }

    public override void Dispose()
    {
        insert.Dispose();
        update.Dispose();
        checkpointer?.Dispose();
    }
}
