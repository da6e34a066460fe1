using System.Data.Common;
using Dapper;
using DbUp.Engine;

namespace JobTracker.Db;

/// <summary>
/// The one way into the database: a <see cref="DatabaseProvider"/> and its connection string. Opens
/// connections with the provider's settings and applies the provider's embedded migrations.
/// </summary>
public sealed class Database
{
    private const string MigrationsNamespace = "JobTracker.Db.Migrations.";

    static Database()
    {
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
    }

    public Database(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>
    /// The database as configured: JobTracker:Database:Provider (default Sqlite) and
    /// ConnectionStrings:JobTracker (default: the provider's), relative paths resolved against
    /// <paramref name="baseDirectory"/>.
    /// </summary>
    public static Database Create(string? providerName, string? connectionString, string baseDirectory)
    {
        var provider = DatabaseProvider.Named(providerName);
        var configured = string.IsNullOrWhiteSpace(connectionString) ? provider.DefaultConnectionString : connectionString;
        return new Database(provider, provider.PrepareConnectionString(configured, baseDirectory));
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>Where the database is, for logs.</summary>
    public string Description => Provider.Describe(ConnectionString);

    public DbConnection Open()
    {
        var connection = Provider.CreateConnection(ConnectionString);
        connection.Open();
        Provider.OnOpen(connection);
        return connection;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Provider.CreateConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        Provider.OnOpen(connection);
        return connection;
    }

    /// <summary>
    /// Prepares the database and applies every one of the provider's migrations not yet applied, under
    /// the database's migration lock (several nodes may start at once).
    /// </summary>
    public void Migrate()
    {
        Provider.PrepareDatabase(this);
        using var migrationLock = Provider.LockMigrations(this);
        var result = Provider.MigrationTarget(ConnectionString)
            .WithScripts(Migrations(Provider))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Database migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
    }

    /// <summary>
    /// The names of the provider's embedded migrations that the database's DbUp journal has not recorded
    /// (empty when the schema is up to date). Reads the journal only; applies nothing, takes no lock.
    /// </summary>
    public IReadOnlyList<string> PendingMigrations() =>
        Provider.MigrationTarget(ConnectionString)
            .WithScripts(Migrations(Provider))
            .LogToNowhere()
            .Build()
            .GetScriptsToExecute()
            .Select(script => script.Name)
            .ToList();

    /// <summary>
    /// The provider's scripts (Migrations/{provider}/NNNN_name.sql), in order. Each is journaled as
    /// JobTracker.Db.Migrations.NNNN_name.sql, without the provider's folder: the same name on every
    /// provider, and the name databases created before the folders existed have already recorded.
    /// </summary>
    public static IReadOnlyList<SqlScript> Migrations(DatabaseProvider provider)
    {
        var assembly = typeof(Database).Assembly;
        var prefix = MigrationsNamespace + provider.Name + ".";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new SqlScript(MigrationsNamespace + name[prefix.Length..], reader.ReadToEnd());
            })
            .ToList();
    }
}
