using JobTracker.Db.PostgreSql;
using JobTracker.Db.Sqlite;
using JobTracker.Db.SqlServer;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The one switch that runs the integration, web and crash tests on another database: the
/// environment variable JOBTRACKER_TEST_PROVIDER: Sqlite (the default); PostgreSql, with the
/// server's connection string in JOBTRACKER_TEST_POSTGRES (tests/run.sh starts one for its second
/// pass); SqlServer, with a server's connection string in JOBTRACKER_TEST_SQLSERVER (a third pass of
/// tests/run.sh when that variable is set).
/// </summary>
public static class TestProvider
{
    public static string Name { get; } = Environment.GetEnvironmentVariable("JOBTRACKER_TEST_PROVIDER") switch
    {
        null or "" => SqliteProvider.ProviderName,
        var name when name.Equals(PostgreSqlProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => PostgreSqlProvider.ProviderName,
        var name when name.Equals(SqlServerProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => SqlServerProvider.ProviderName,
        var name when name.Equals(SqliteProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => SqliteProvider.ProviderName,
        var name => throw new InvalidOperationException($"JOBTRACKER_TEST_PROVIDER={name}: use Sqlite, PostgreSql or SqlServer."),
    };

    /// <summary>The PostgreSQL server's connection string (JOBTRACKER_TEST_POSTGRES); each test gets a schema of its own on it.</summary>
    public static string PostgreSqlServer =>
        Environment.GetEnvironmentVariable("JOBTRACKER_TEST_POSTGRES") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException("JOBTRACKER_TEST_PROVIDER=PostgreSql needs JOBTRACKER_TEST_POSTGRES (a server's connection string); tests/run.sh starts one.");

    /// <summary>The SQL Server's connection string (JOBTRACKER_TEST_SQLSERVER); each test gets a database of its own on it.</summary>
    public static string SqlServer =>
        Environment.GetEnvironmentVariable("JOBTRACKER_TEST_SQLSERVER") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException("JOBTRACKER_TEST_PROVIDER=SqlServer needs JOBTRACKER_TEST_SQLSERVER (a server's connection string).");
}
