using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace JobTracker.Db;

/// <summary>Writes one collection's records in the connection's current transaction (see <see cref="SqlDialect.CreateRecordWriter"/>).</summary>
public abstract class RecordWriter : IDisposable
{
    /// <summary>Inserts the record (UTF-8 JSON) unless its key exists; true when it was inserted.</summary>
    public abstract bool InsertIfAbsent(string key, ReadOnlySpan<byte> utf8Json);

    /// <summary>Replaces an existing record's JSON and counts the write in its version.</summary>
    public abstract void Update(string key, ReadOnlySpan<byte> utf8Json);

    public abstract void Dispose();
}

/// <summary>One record as <see cref="SqlDialect.ReadRecords"/> hands it over: its key and its JSON, as UTF-8 lent for the call.</summary>
public delegate void RecordVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data);

/// <summary>
/// Every SQL statement or fragment that differs between SQLite and SQL Server lives here, and
/// nowhere else. Everything else is plain SQL that both understand. SQL Server comes in a later
/// issue as a second implementation of this class.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Appended after an ORDER BY: skips @Skip rows and takes @Take.</summary>
    public abstract string Paging { get; }

    /// <summary>An INSERT that returns the new row's integer id as a scalar.</summary>
    public abstract string InsertReturningId(string table, string columns, string values);

    /// <summary>
    /// Takes the lease on the oldest unfinished job that heads its collection's queue and is not
    /// leased by a live worker, starting it if it was QUEUED. Parameters: @Owner, @Now, @Until.
    /// Returns the job id, or nothing when there is no work.
    /// </summary>
    public abstract string ClaimNextJob { get; }

    /// <summary>
    /// Writes a collection's records inside the connection's current transaction: the import's hot
    /// loop, so each statement is prepared once for the whole job.
    /// </summary>
    public abstract RecordWriter CreateRecordWriter(DbConnection connection, long collectionId);

    /// <summary>
    /// Inserts an export job and returns its id, or nothing when a job for the same schedule fire
    /// (@scheduleId, @scheduledFor) exists already. Parameters: @collectionId, @exportName, @Queued,
    /// @note, @initiatedBy, @recordsPerFile, @now, @scheduleId, @scheduledFor.
    /// </summary>
    public abstract string InsertExportJob { get; }

    /// <summary>
    /// Streams the records of a collection whose keys lie in [firstKey, lastKey], in key order, handing
    /// each one's key and stored JSON to <paramref name="visit"/> as UTF-8 that is valid only during the
    /// call (nothing is copied: the export's hot loop). Returns how many records were read.
    /// </summary>
    public abstract int ReadRecords(DbConnection connection, long collectionId, string firstKey, string lastKey, RecordVisitor visit);

    /// <summary>Whether the exception is this database's unique-key (or primary-key) violation.</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>Per-connection settings, run on every open.</summary>
    public abstract void OnOpen(DbConnection connection);

    /// <summary>Database-wide settings, run once before migrations.</summary>
    public abstract void OnCreate(DbConnection connection);
}

public sealed class SqliteDialect : SqlDialect
{
    public override string Paging => "LIMIT @Take OFFSET @Skip";

    public override string InsertReturningId(string table, string columns, string values) =>
        $"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id";

    public override string ClaimNextJob => """
        UPDATE jobs
           SET lease_owner = @Owner,
               lease_until = @Until,
               status      = CASE WHEN status = 'QUEUED' THEN 'IN PROGRESS' ELSE status END,
               started_at  = COALESCE(started_at, @Now)
         WHERE id = (SELECT j.id
                       FROM jobs j
                      WHERE j.finished_at IS NULL
                        AND (j.lease_owner IS NULL OR j.lease_until < @Now)
                        AND NOT EXISTS (SELECT 1 FROM jobs e
                                         WHERE e.collection_id = j.collection_id
                                           AND e.finished_at IS NULL
                                           AND e.id < j.id)
                      ORDER BY j.id
                      LIMIT 1)
           AND (lease_owner IS NULL OR lease_until < @Now)
        RETURNING id
        """;

    /// <remarks>
    /// Straight through SQLitePCL, under Microsoft.Data.Sqlite: a prepared statement stepped per
    /// record costs about half of what an ADO.NET command execution does.
    /// </remarks>
    public override RecordWriter CreateRecordWriter(DbConnection connection, long collectionId) =>
        new SqliteRecordWriter(((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("The connection is not open."), collectionId);

    private sealed class SqliteRecordWriter : RecordWriter
    {
        private readonly sqlite3 db;
        private readonly sqlite3_stmt insert;
        private readonly sqlite3_stmt update;

        public SqliteRecordWriter(sqlite3 db, long collectionId)
        {
            this.db = db;
            insert = Prepare("INSERT INTO records (collection_id, record_key, data) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", collectionId);
            update = Prepare("UPDATE records SET data = ?3, version = version + 1 WHERE collection_id = ?1 AND record_key = ?2", collectionId);
        }

        private sqlite3_stmt Prepare(string sql, long collectionId)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
            raw.sqlite3_bind_int64(statement, 1, collectionId); // bindings outlive sqlite3_reset
            return statement;
        }

        public override bool InsertIfAbsent(string key, ReadOnlySpan<byte> utf8Json) => Step(insert, key, utf8Json) == 1;

        public override void Update(string key, ReadOnlySpan<byte> utf8Json) => Step(update, key, utf8Json);

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
        }
    }

    public override string InsertExportJob => """
        INSERT INTO jobs (collection_id, job_type, file_name, export_name, status, note, initiated_by,
                          batch_size, created_at, schedule_id, scheduled_for)
        VALUES (@collectionId, 'Export', @exportName, @exportName, @Queued, @note, @initiatedBy,
                @recordsPerFile, @now, @scheduleId, @scheduledFor)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    /// <remarks>
    /// Straight through SQLitePCL, under Microsoft.Data.Sqlite: each key and JSON is read in place as
    /// the UTF-8 SQLite stores, instead of being decoded to a string per record and encoded back.
    /// </remarks>
    public override int ReadRecords(DbConnection connection, long collectionId, string firstKey, string lastKey, RecordVisitor visit)
    {
        var db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(db, """
            SELECT record_key, data FROM records
             WHERE collection_id = ?1 AND record_key >= ?2 AND record_key <= ?3
             ORDER BY record_key
            """, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        using (statement)
        {
            raw.sqlite3_bind_int64(statement, 1, collectionId);
            raw.sqlite3_bind_text(statement, 2, firstKey);
            raw.sqlite3_bind_text(statement, 3, lastKey);
            var count = 0;
            var busySince = (DateTime?)null;
            while (true)
            {
                rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_ROW)
                {
                    visit(raw.sqlite3_column_blob(statement, 0), raw.sqlite3_column_blob(statement, 1));
                    count++;
                }
                else if (rc == raw.SQLITE_DONE)
                {
                    return count;
                }
                else if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && (busySince ??= DateTime.UtcNow) > DateTime.UtcNow.AddSeconds(-30))
                {
                    // As Microsoft.Data.Sqlite does for its own commands: wait a little and step again.
                    Thread.Sleep(10);
                }
                else
                {
                    SqliteException.ThrowExceptionForRC(rc, db);
                    return count;
                }
            }
        }
    }

    /// <remarks>SQLITE_CONSTRAINT (19): the extended codes for UNIQUE (2067) and PRIMARY KEY (1555) share it.</remarks>
    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: raw.SQLITE_CONSTRAINT, SqliteExtendedErrorCode: raw.SQLITE_CONSTRAINT_UNIQUE or raw.SQLITE_CONSTRAINT_PRIMARYKEY };

    public override void OnOpen(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8192;";
        command.ExecuteNonQuery();
    }

    public override void OnCreate(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }
}
