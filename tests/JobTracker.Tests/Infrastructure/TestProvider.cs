using JobTracker.Db.PostgreSql;
using JobTracker.Db.Sqlite;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The one switch that runs the integration, web and crash tests on another database: the
/// environment variable JOBTRACKER_TEST_PROVIDER (Sqlite, the default, or PostgreSql with the
/// server's connection string in JOBTRACKER_TEST_POSTGRES; tests/run.sh sets both for its second pass).
/// </summary>
public static class TestProvider
{
    public static string Name { get; } = Environment.GetEnvironmentVariable("JOBTRACKER_TEST_PROVIDER") switch
    {
        null or "" => SqliteProvider.ProviderName,
        var name when name.Equals(PostgreSqlProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => PostgreSqlProvider.ProviderName,
        var name when name.Equals(SqliteProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => SqliteProvider.ProviderName,
        var name => throw new InvalidOperationException($"JOBTRACKER_TEST_PROVIDER={name}: use Sqlite or PostgreSql."),
    };

    /// <summary>The PostgreSQL server's connection string (JOBTRACKER_TEST_POSTGRES); each test gets a schema of its own on it.</summary>
    public static string PostgreSqlServer =>
        Environment.GetEnvironmentVariable("JOBTRACKER_TEST_POSTGRES") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException("JOBTRACKER_TEST_PROVIDER=PostgreSql needs JOBTRACKER_TEST_POSTGRES (a server's connection string); tests/run.sh starts one.");
}
