using JobTracker.Db;
using JobTracker.Db.SqlServer;
using Microsoft.Data.SqlClient;

namespace JobTracker.Tests.Db;

/// <summary>What the SqlServer provider does without a server: its choice, its connection string, its refusals.</summary>
public sealed class SqlServerProviderTests
{
    private const string ConnectionString = "Server=db1.example.test,1433;Database=JobTracker;User ID=jobtracker;Password=s3cret-Pa55;Encrypt=true";

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("sqlserver")]
    [InlineData(" SQLSERVER ")]
    public void SqlServer_is_chosen_by_name_whatever_the_case(string name)
    {
        var provider = DatabaseProvider.Named(name);

        Assert.IsType<SqlServerProvider>(provider);
        Assert.Equal("SqlServer", provider.Name);
    }

    [Fact]
    public void The_description_names_the_server_and_the_database_and_never_the_password()
    {
        var database = Database.Create("SqlServer", ConnectionString, "/ignored");

        Assert.Equal("db1.example.test,1433/JobTracker", database.Description);
        Assert.DoesNotContain("s3cret", database.Description, StringComparison.Ordinal);
        // Kept as given: no paths to resolve, and encryption and credentials are the operator's.
        Assert.Equal(ConnectionString, database.ConnectionString);
    }

    [Fact]
    public void A_connection_string_without_a_database_is_refused_at_start()
    {
        // Such as SQLite's, left in place when only the provider was changed.
        var refused = Assert.Throws<InvalidOperationException>(() => Database.Create("SqlServer", "Data Source=data/jobtracker.db", "/ignored"));

        Assert.Contains("names no database", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_keeps_the_culture_data_SqlClient_needs_to_connect()
    {
        var provider = new SqlServerProvider();

        // The build keeps .NET's culture data (InvariantGlobalization false), which SqlClient needs.
        Assert.False(SqlServerProvider.GlobalizationInvariant);
        using var connection = provider.CreateConnection(ConnectionString);
        Assert.IsType<SqlConnection>(connection);
    }

    [Fact]
    public void Only_SQL_Servers_unique_key_errors_count_as_unique_violations()
    {
        var provider = new SqlServerProvider();

        Assert.False(provider.IsUniqueViolation(new InvalidOperationException()));
        Assert.False(provider.IsUniqueViolation(new Microsoft.Data.Sqlite.SqliteException("UNIQUE constraint failed", 19, 2067)));
    }
}
