using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace JobTracker.Db.Sqlite;

/// <summary>
/// The embedded default: one SQLite file in WAL mode, opened through Microsoft.Data.Sqlite. The
/// import's and the export's hot loops go straight through SQLitePCL (see <see cref="SqliteRecordWriter"/>
/// and <see cref="ReadRecords"/>).
/// </summary>
public sealed class SqliteProvider : DatabaseProvider
{
    public const string ProviderName = "Sqlite";

    static SqliteProvider() => NativeHeap.ReturnLargeBlocks();

    public override string Name => ProviderName;

    /// <summary>
    /// SQLite plans without statistics (the app never runs ANALYZE): with a status and a date range it
    /// prefers ix_jobs_created (more range terms) over ix_jobs_status_created and reads every status.
    /// </summary>
    public override string UseIndex(string index) => $"INDEXED BY {index}";

    public override string DefaultConnectionString => "Data Source=data/jobtracker.db";

    /// <summary>
    /// The file's path resolved against <paramref name="baseDirectory"/>. The busy timeout (how long a statement
    /// waits for another connection's lock before it fails with SQLITE_BUSY) is the connection string's
    /// Default Timeout: 30 s unless set.
    /// </summary>
    public override string PrepareConnectionString(string connectionString, string baseDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!IsInMemory(builder.DataSource))
            builder.DataSource = Path.GetFullPath(builder.DataSource, baseDirectory);
        return builder.ToString();
    }

    public override string Describe(string connectionString) => new SqliteConnectionStringBuilder(connectionString).DataSource;

    public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    public override string ClaimNextJob => """
        UPDATE jobs
           SET lease_owner = @Owner,
               lease_until = @Until,
               status      = CASE WHEN status = 'QUEUED' THEN 'IN PROGRESS' ELSE status END
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

    public override RecordWriter CreateRecordWriter(DbConnection connection, long collectionId, long jobId) =>
        new SqliteRecordWriter(((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("The connection is not open."), collectionId, jobId);

    /// <remarks>
    /// Straight through SQLitePCL, under Microsoft.Data.Sqlite: each key and JSON is read in place as
    /// the UTF-8 SQLite stores, instead of being decoded to a string per record and encoded back. Another
    /// connection's lock is waited for by SQLite itself, for the connection's busy timeout (<see cref="OnOpen"/>).
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
                    // The pages just read are not read again (the next batch reads the next keys).
                    ReleaseMemory(connection);
                    return count;
                }
                else
                {
                    SqliteException.ThrowExceptionForRC(rc, db);
                    return count;
                }
            }
        }
    }

    /// <summary>The cache a connection keeps before <see cref="ReleaseMemory"/> frees it (bytes).</summary>
    private const int ReleaseAbove = 16 << 20;

    /// <remarks>
    /// Each connection caches up to 64 MB of pages (cache_size in <see cref="OnOpen"/>): right for the import's
    /// writer and the pages' queries, which read the same pages again, but an export reads each page once. Freed
    /// only once the cache holds <see cref="ReleaseAbove"/>: freeing it after every batch made a 1M-record export
    /// take 1.8 s instead of 1.1 s (the pages the next batch shares with this one, and the index's upper levels,
    /// were read again); at 16 MB it takes 1.2-1.3 s, and a 10M-record export peaks at 99 MB against 81 MB for 1M
    /// (157-162 MB without freeing). glibc's arenas are trimmed here too (<see cref="NativeHeap.TrimNow"/>, at most every
    /// 250 ms), whether this connection freed anything or not: the pages freed by the export's other connections, each
    /// read on whichever pool thread, stay in the arenas otherwise (the tenmillion benchmark's export child, 10M
    /// records: 90-92 MB against 94-95 MB, 1M unchanged at 85 MB).
    /// </remarks>
    public override void ReleaseMemory(DbConnection connection)
    {
        NativeHeap.TrimNow();
        if (((SqliteConnection)connection).Handle is not { } db) return;
        if (raw.sqlite3_db_status(db, raw.SQLITE_DBSTATUS_CACHE_USED, out var cached, out _, 0) == raw.SQLITE_OK && cached < ReleaseAbove) return;
        raw.sqlite3_exec(db, "PRAGMA shrink_memory");
    }

    /// <remarks>SQLITE_CONSTRAINT (19): the extended codes for UNIQUE (2067) and PRIMARY KEY (1555) share it.</remarks>
    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: raw.SQLITE_CONSTRAINT, SqliteExtendedErrorCode: raw.SQLITE_CONSTRAINT_UNIQUE or raw.SQLITE_CONSTRAINT_PRIMARYKEY };

    /// <remarks>
    /// SQLITE_BUSY (5) and SQLITE_LOCKED (6), with all their extended codes: another connection or process
    /// held the lock for longer than the busy timeout. SQLITE_PROTOCOL (15): a WAL lock race. SQLITE_IOERR
    /// (10) too: the statement's transaction was rolled back and nothing half-written stays, so trying
    /// again is safe, and an error that does not clear (a failing disk) still fails the job after the
    /// bounded attempts. Not SQLITE_FULL, SQLITE_CORRUPT, SQLITE_READONLY or SQLITE_CANTOPEN: those need a person.
    /// </remarks>
    protected override string? DescribeTransient(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: raw.SQLITE_BUSY or raw.SQLITE_LOCKED or raw.SQLITE_PROTOCOL } =>
            "the database stayed busy (locked by another process or connection)",
        SqliteException { SqliteErrorCode: raw.SQLITE_IOERR } =>
            "the database file could not be read or written (an I/O error)",
        _ => null,
    };

    /// <summary>The size, in bytes, the WAL file is cut back to after a checkpoint (PRAGMA journal_size_limit).</summary>
    public const long JournalSizeLimit = 64L << 20;

    public override void OnOpen(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        // journal_size_limit: after a checkpoint has emptied the WAL, it is cut back to 64 MB rather than
        // kept at the largest size it ever reached.
        // busy_timeout: a statement that finds another connection's lock is retried by SQLite itself, after 1, 2, 5,
        // 10 ms and so on, for as long as the connection's Default Timeout. Without it Microsoft.Data.Sqlite retries
        // every 150 ms, so a write lock held for a millisecond (a worker looking for its next job) cost the import's
        // next batch 150 ms, in the benchmark's http section about one run in three.
        var busyTimeout = ((SqliteConnection)connection).DefaultTimeout * 1000;
        command.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; " +
            $"PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = {JournalSizeLimit}; PRAGMA busy_timeout = {busyTimeout};";
        command.ExecuteNonQuery();
    }

    /// <summary>Creates the file's folder, then sets what only an empty file can take (page size) and WAL.</summary>
    public override void PrepareDatabase(Database database)
    {
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        if (!IsInMemory(file) && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
            Directory.CreateDirectory(folder);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>An exclusive lock on {file}.migrations.lock beside the database file (flock on Linux).</summary>
    public override IDisposable LockMigrations(Database database)
    {
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        if (IsInMemory(file)) return new MemoryStream();
        var lockPath = Path.GetFullPath(file) + ".migrations.lock";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                Thread.Sleep(50); // another process is migrating
            }
        }
    }

    public override UpgradeEngineBuilder MigrationTarget(string connectionString) =>
        DeployChanges.To.SqliteDatabase(connectionString);

    private static bool IsInMemory(string dataSource) =>
        dataSource.Length == 0 || dataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase);
}
