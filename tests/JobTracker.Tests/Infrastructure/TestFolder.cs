using JobTracker.Db.PostgreSql;
using JobTracker.Db.SqlServer;
using Microsoft.Data.SqlClient;
using Npgsql;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// A fresh folder under the system temp folder, and a fresh database of the provider the suite runs
/// on (<see cref="TestProvider"/>): a SQLite file in the folder, a schema of its own on the
/// PostgreSQL server, or a database of its own on the SQL Server. All are deleted on dispose.
/// </summary>
public sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "jobtracker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        Provider = TestProvider.Name;
        ConnectionString = Provider switch
        {
            PostgreSqlProvider.ProviderName => new NpgsqlConnectionStringBuilder(TestProvider.PostgreSqlServer)
            {
                SearchPath = "t_" + Guid.NewGuid().ToString("N"),
            }.ConnectionString,
            SqlServerProvider.ProviderName => new SqlConnectionStringBuilder(TestProvider.SqlServer)
            {
                InitialCatalog = "jobtracker_test_" + Guid.NewGuid().ToString("N"),
            }.ConnectionString,
            _ => SqliteConnectionString,
        };
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The provider this suite runs on (JobTracker:Database:Provider).</summary>
    public string Provider { get; }

    /// <summary>This folder's database on <see cref="Provider"/> (ConnectionStrings:JobTracker).</summary>
    public string ConnectionString { get; }

    /// <summary>A SQLite file in this folder, whatever the suite's provider (for SQLite's own tests).</summary>
    public string SqliteConnectionString => $"Data Source={File("jobtracker.db")}";

    public string StoragePath => File("files");

    public void Dispose()
    {
        if (Provider == PostgreSqlProvider.ProviderName) DropSchema();
        if (Provider == SqlServerProvider.ProviderName) DropDatabase();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private void DropSchema()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var schema = builder.SearchPath;
        using (var pooled = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(pooled);
        builder.SearchPath = null;
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        command.ExecuteNonQuery();
    }

    private void DropDatabase()
    {
        var builder = new SqlConnectionStringBuilder(ConnectionString);
        var database = builder.InitialCatalog;
        SqlConnection.ClearAllPools();
        builder.InitialCatalog = "master";
        using var connection = new SqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = new SqlCommand($"""
            IF DB_ID(N'{database}') IS NOT NULL
            BEGIN
                ALTER DATABASE [{database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
                DROP DATABASE [{database}];
            END
            """, connection);
        command.ExecuteNonQuery();
    }
}
