using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;
using JobTracker.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace JobTracker.Tests.Db;

/// <summary>
/// The import's record writer on a real SQLite file copies the WAL into the database file on a thread of its own,
/// and meanwhile keeps the WAL file at its size when the WAL starts again.
/// </summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private const int Records = 2_000;

    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task While_the_record_writer_is_open_what_it_committed_reaches_the_database_file_without_a_checkpoint_of_its_own()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();
        var file = new SqliteConnectionStringBuilder(folder.SqliteConnectionString).DataSource;
        await using var connection = await database.OpenAsync();
        // 2,000 records of 4 KB: about 8 MB of WAL, far below wal_autocheckpoint (8,192 pages of 16 KB), so SQLite
        // itself copies nothing into the database file yet.
        var data = System.Text.Encoding.UTF8.GetBytes($"{{\"text\":\"{new string('x', 4_000)}\"}}");
        var writes = Enumerable.Range(0, Records).Select(i => new RecordWrite($"k{i:D5}", data)).ToList();

        Write(connection, database, writes[..(Records / 2)], openFor: TimeSpan.Zero);
        var sizeBefore = new FileInfo(file).Length;
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(sizeBefore, new FileInfo(file).Length); // no writer open: nothing copies the WAL

        Write(connection, database, writes[(Records / 2)..], openFor: TimeSpan.FromSeconds(10), until: () => new FileInfo(file).Length > sizeBefore + Records * 4_000L);
        Assert.True(new FileInfo(file).Length > sizeBefore + Records * 4_000L,
            $"the database file holds {new FileInfo(file).Length:N0} bytes, against {sizeBefore:N0} before: the WAL was not copied into it");
    }

    [Fact]
    public async Task While_the_record_writer_is_open_its_WAL_file_is_not_cut_back_and_afterwards_it_is_again()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();
        await using var connection = await database.OpenAsync();
        Assert.Equal(SqliteProvider.JournalSizeLimit, await connection.ExecuteScalarAsync<long>("PRAGMA journal_size_limit"));

        using (database.Provider.CreateRecordWriter(connection, collectionId: 1, jobId: 1))
            Assert.Equal(-1, await connection.ExecuteScalarAsync<long>("PRAGMA journal_size_limit"));

        Assert.Equal(SqliteProvider.JournalSizeLimit, await connection.ExecuteScalarAsync<long>("PRAGMA journal_size_limit"));
    }

    /// <summary>Commits <paramref name="writes"/> through the provider's record writer, then keeps it open until <paramref name="until"/> or <paramref name="openFor"/> has passed.</summary>
    private static void Write(System.Data.Common.DbConnection connection, Database database, List<RecordWrite> writes, TimeSpan openFor, Func<bool>? until = null)
    {
        using var writer = database.Provider.CreateRecordWriter(connection, collectionId: 1, jobId: 1);
        using (var transaction = connection.BeginTransaction())
        {
            writer.WriteAsync(writes, new bool[writes.Count], transaction, CancellationToken.None).GetAwaiter().GetResult();
            transaction.Commit();
        }
        var open = System.Diagnostics.Stopwatch.StartNew();
        while (open.Elapsed < openFor && until?.Invoke() != true) Thread.Sleep(20);
    }
}
