using System.Net.Sockets;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.PostgreSql;
using JobTracker.Db.Sqlite;
using JobTracker.Db.SqlServer;
using JobTracker.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace JobTracker.Tests.Db;

/// <summary>Which database errors each provider calls transient (worth trying again), and the words it gives them.</summary>
public sealed class TransientFaultClassificationTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Sqlite_busy_from_a_real_lock_is_transient_and_a_syntax_error_or_unique_violation_is_not()
    {
        var provider = new SqliteProvider();
        using var holder = new SqliteConnection(folder.SqliteConnectionString);
        holder.Open();
        holder.Execute("CREATE TABLE t (k TEXT PRIMARY KEY)");
        holder.Execute("INSERT INTO t VALUES ('a')");
        using var held = holder.BeginTransaction(deferred: false);

        using var other = new SqliteConnection(new SqliteConnectionStringBuilder(folder.SqliteConnectionString) { DefaultTimeout = 1 }.ConnectionString);
        other.Open();
        var busy = Assert.Throws<SqliteException>(() => other.BeginTransaction(deferred: false));
        Assert.Equal(5, busy.SqliteErrorCode);
        Assert.Equal("the database stayed busy (locked by another process or connection)", provider.TransientFault(busy));
        Assert.True(provider.IsTransient(new InvalidOperationException("wrapped", busy)));
        Assert.False(provider.IsTransient(new OperationCanceledException("canceled", busy)));

        var syntax = Assert.Throws<SqliteException>(() => other.Execute("SELEC 1"));
        Assert.False(provider.IsTransient(syntax));
        held.Rollback();
        var duplicate = Assert.Throws<SqliteException>(() => other.Execute("INSERT INTO t VALUES ('a')"));
        Assert.True(provider.IsUniqueViolation(duplicate));
        Assert.False(provider.IsTransient(duplicate));
        Assert.False(provider.IsTransient(new IOException("a file, not the database")));
        Assert.Equal("the database file could not be read or written (an I/O error)", provider.TransientFault(new SqliteException("disk I/O error", 10, 266)));
        Assert.Null(provider.TransientFault(new SqliteException("database or disk is full", 13)));
    }

    [Theory]
    [InlineData("40001", "transactions kept conflicting (deadlock or serialization failure)")]
    [InlineData("40P01", "transactions kept conflicting (deadlock or serialization failure)")]
    [InlineData("55P03", "the database stayed busy (locked by another session)")]
    [InlineData("57014", "database statements kept timing out")]
    [InlineData("57P01", "the database server was restarting")]
    [InlineData("08006", "the connection to the database server kept failing")]
    [InlineData("53300", "the database server was short of resources (connections or memory)")]
    [InlineData("53100", "the database server's disk was full")]
    [InlineData("23505", null)]
    [InlineData("42P01", null)]
    [InlineData("P0001", null)]
    public void PostgreSql_sqlstates(string sqlState, string? words)
    {
        var provider = new PostgreSqlProvider();
        Assert.Equal(words, provider.TransientFault(new PostgresException("message", "ERROR", "ERROR", sqlState)));
    }

    [Fact]
    public void PostgreSql_broken_sockets_and_timeouts_are_transient_and_a_canceled_statement_of_our_own_is_not()
    {
        var provider = new PostgreSqlProvider();
        Assert.Equal("the connection to the database server kept failing",
            provider.TransientFault(new NpgsqlException("Exception while reading from stream", new IOException("broken", new SocketException(104)))));
        Assert.Equal("database statements kept timing out", provider.TransientFault(new NpgsqlException("Timeout", new TimeoutException())));
        Assert.Null(provider.TransientFault(new OperationCanceledException("canceled", new PostgresException("canceled", "ERROR", "ERROR", "57014"))));
        Assert.Null(provider.TransientFault(new NpgsqlException("Something else")));
    }

    [Theory]
    [InlineData(1205, "transactions kept deadlocking")]
    [InlineData(1222, "the database stayed busy (locked by another session)")]
    [InlineData(-2, "database statements kept timing out")]
    [InlineData(40501, "the database server stayed too busy (throttling)")]
    [InlineData(40613, "the database stayed unavailable (failover or restart)")]
    [InlineData(10054, "the connection to the database server kept failing")]
    [InlineData(2627, null)]
    [InlineData(208, null)]
    public void SqlServer_error_numbers(int number, string? words) => Assert.Equal(words, SqlServerProvider.TransientFault(number));

    [Fact]
    public void The_provider_named_in_configuration_classifies_too() =>
        Assert.True(DatabaseProvider.Named("Sqlite").IsTransient(new SqliteException("database is locked", 5)));
}
