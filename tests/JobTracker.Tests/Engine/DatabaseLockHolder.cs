using System.Data.Common;
using Dapper;
using JobTracker.Db.PostgreSql;
using Microsoft.Data.Sqlite;
using Npgsql;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// Another connection that holds a lock the engine's writes need, as another process would: SQLite's write
/// lock (BEGIN IMMEDIATE on the same file), or on PostgreSQL an ACCESS EXCLUSIVE lock on a table. Released on dispose.
/// </summary>
public sealed class DatabaseLockHolder : IAsyncDisposable
{
    private readonly DbConnection connection;
    private readonly DbTransaction transaction;

    private DatabaseLockHolder(DbConnection connection, DbTransaction transaction)
    {
        this.connection = connection;
        this.transaction = transaction;
    }

    /// <summary>
    /// The same database as <paramref name="folder"/>'s, with a short lock wait (1 s), so that a lock held by
    /// another connection surfaces as an error (SQLITE_BUSY, or PostgreSQL's lock_not_available) instead of a long wait.
    /// </summary>
    public static string ShortLockWait(TestFolder folder) => folder.Provider == PostgreSqlProvider.ProviderName
        ? new NpgsqlConnectionStringBuilder(folder.ConnectionString) { Options = "-c lock_timeout=1000" }.ConnectionString
        : new SqliteConnectionStringBuilder(folder.ConnectionString) { DefaultTimeout = 1 }.ConnectionString;

    /// <summary>Takes the lock: on SQLite the whole database's write lock, on PostgreSQL one on <paramref name="table"/>.</summary>
    public static async Task<DatabaseLockHolder> TakeAsync(TestFolder folder, string table)
    {
        var (connection, transaction) = await BeginAsync(folder, table);
        return new DatabaseLockHolder(connection, transaction);
    }

    private static async Task<(DbConnection, DbTransaction)> BeginAsync(TestFolder folder, string table)
    {
        if (folder.Provider == PostgreSqlProvider.ProviderName)
        {
            var postgres = new NpgsqlConnection(folder.ConnectionString);
            await postgres.OpenAsync();
            var locked = await postgres.BeginTransactionAsync();
            await postgres.ExecuteAsync($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", transaction: locked);
            return (postgres, locked);
        }
        var sqlite = new SqliteConnection(folder.ConnectionString);
        await sqlite.OpenAsync();
        return (sqlite, sqlite.BeginTransaction(deferred: false)); // BEGIN IMMEDIATE: the write lock, held until rollback
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.RollbackAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
