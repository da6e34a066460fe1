using System.Data.Common;
using Dapper;
using DbUp;
using Microsoft.Data.Sqlite;

namespace JobTracker.Db;

/// <summary>
/// The one way into the database: opens connections with the right settings, applies the
/// embedded migrations, and exposes the <see cref="SqlDialect"/> for the statements that differ
/// between SQLite and SQL Server.
/// </summary>
public sealed class Database
{
    static Database()
    {
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
    }

    public Database(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DefaultTimeout < 30) builder.DefaultTimeout = 30;
        ConnectionString = builder.ToString();
        DataSource = builder.DataSource;
        Dialect = new SqliteDialect();
    }

    public string ConnectionString { get; }

    /// <summary>The SQLite file path (as given in the connection string).</summary>
    public string DataSource { get; }

    public SqlDialect Dialect { get; }

    public DbConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Dialect.OnOpen(connection);
        return connection;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        Dialect.OnOpen(connection);
        return connection;
    }

    /// <summary>Creates the database file's folder and applies every migration not yet applied.</summary>
    public void Migrate()
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(DataSource));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);

        using (var connection = Open())
        {
            Dialect.OnCreate(connection);
        }

        var result = DeployChanges.To
            .SqliteDatabase(ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Database).Assembly, name => name.EndsWith(".sql", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Database migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
    }

    /// <summary>Dates are stored and read as UTC.</summary>
    private sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateTime value) =>
            parameter.Value = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;

        public override DateTime Parse(object value) => value switch
        {
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
            string s => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a date."),
        };
    }
}
