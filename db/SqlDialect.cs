using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace JobTracker.Db;

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
    /// Inserts a record unless its key exists; the affected row count says which happened.
    /// Parameters (positional, in this order): collection id, key, data.
    /// </summary>
    public abstract string InsertRecordIfAbsent { get; }

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

    public override string InsertRecordIfAbsent =>
        "INSERT INTO records (collection_id, record_key, data) VALUES (@c, @k, @d) ON CONFLICT DO NOTHING";

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
