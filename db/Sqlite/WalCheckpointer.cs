using SQLitePCL;

namespace JobTracker.Db.Sqlite;

/// <summary>
/// Copies the WAL into the database file on a thread and a connection of its own while an import writes
/// (a PASSIVE checkpoint every <see cref="Interval"/>), so that the writer's own checkpoint finds little
/// left to copy and sync. Without it, the commit that takes the WAL past wal_autocheckpoint (8,192 pages,
/// 128 MB) copies and fsyncs all of it on the writer's thread: 100-280 ms (the disk decides), three times in a
/// 1M-row import. The writer keeps its own checkpoint, and the WAL still starts again from its beginning
/// at the writer's next transaction once every frame is copied, so it stays as small as before. A PASSIVE
/// checkpoint never waits for a lock nor holds the writer up; one that finds another checkpoint running, in
/// this process or another, does nothing.
/// <para>
/// Meanwhile the writer's WAL file is not cut back to <see cref="SqliteProvider.JournalSizeLimit"/> when it
/// starts again (journal_size_limit -1 on the writer's connection, restored by <see cref="Dispose"/>): the
/// first commit after each restart would shrink the file to 64 MB, and the next commits grow it again: about
/// 20 ms more for the batch after each of the writer's checkpoints, in the benchmark's http section.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>
    /// How often the WAL is copied while the import writes. The writer's own checkpoint still copies and syncs
    /// what was committed since the last of these, and holds up the next batch meanwhile: measured with the
    /// benchmark's http section (1M rows, 1,000 batches, three such checkpoints), every 100 ms those stalls were
    /// 44-80 ms each, every 5 ms 9-43 ms (and 20 and 10 ms were in between).
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    private readonly sqlite3 writer;
    private readonly sqlite3 db;
    private readonly ManualResetEventSlim stopping = new();
    private readonly Thread thread;

    private WalCheckpointer(sqlite3 writer, sqlite3 db)
    {
        this.writer = writer;
        this.db = db;
        raw.sqlite3_exec(writer, "PRAGMA journal_size_limit = -1");
        thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpoint" };
        thread.Start();
    }

    /// <summary>A checkpointer for the database file <paramref name="writer"/> has open; null for an in-memory or temporary database.</summary>
    public static WalCheckpointer? For(sqlite3 writer)
    {
        var file = raw.sqlite3_db_filename(writer, "main").utf8_to_string();
        if (string.IsNullOrEmpty(file)) return null;
        var rc = raw.sqlite3_open_v2(file, out var db, raw.SQLITE_OPEN_READWRITE, null);
        // A connection learns that the file is in WAL mode on its first read; until then it has nothing to checkpoint.
        if (rc == raw.SQLITE_OK) rc = raw.sqlite3_exec(db, "SELECT COUNT(*) FROM sqlite_schema");
        if (rc != raw.SQLITE_OK)
        {
            db.Dispose();
            return null; // the writer's own checkpoints go on as before
        }
        return new WalCheckpointer(writer, db);
    }

    private void Run()
    {
        while (!stopping.Wait(Interval))
            raw.sqlite3_wal_checkpoint_v2(db, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
    }

    public void Dispose()
    {
        stopping.Set();
        thread.Join();
        db.Dispose();
        raw.sqlite3_exec(writer, $"PRAGMA journal_size_limit = {SqliteProvider.JournalSizeLimit}");
        stopping.Dispose();
    }
}
