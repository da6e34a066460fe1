using System.Diagnostics;
using JobTracker.Db;
using JobTracker.Db.PostgreSql;
using Npgsql;

namespace JobTracker.Benchmarks;

/// <summary>
/// The PostgreSQL server of the postgres and scaleout sections: the one JOBTRACKER_BENCH_POSTGRES
/// names, or a throwaway cluster started with <c>tests/postgres.sh start DIR PORT durable</c> (the
/// server's default durability: fsync, synchronous_commit and full_page_writes on, unlike the
/// tests' cluster) and stopped and deleted on dispose or on a signal. Each measurement gets a
/// fresh schema of its own (a Search Path), dropped when it is done.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    public const string EnvironmentVariable = "JOBTRACKER_BENCH_POSTGRES";

    private readonly IDisposable? stopCluster;

    private BenchPostgres(string connectionString, string origin, IDisposable? stopCluster)
    {
        ConnectionString = connectionString;
        Origin = origin;
        this.stopCluster = stopCluster;
    }

    /// <summary>The server's connection string (its own database, no Search Path).</summary>
    public string ConnectionString { get; }

    /// <summary>Where the server comes from, for the printed figures.</summary>
    public string Origin { get; }

    public static async Task<BenchPostgres> StartAsync(BenchOptions options)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
            return new BenchPostgres(given, $"the server {EnvironmentVariable} names", null);

        var root = Path.Combine(Path.GetTempPath(), $"jobtracker-bench-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var cluster = Path.Combine(root, "cluster");
        var stop = Cleanup.Register(() => StopCluster(root, cluster));
        try
        {
            var port = options.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (_, output) = await Timing.RunProcessAsync(new ProcessStartInfo("bash", [Script, "start", cluster, port, "durable"]));
            return new BenchPostgres(output.Trim(), $"a throwaway cluster on port {port} (tests/postgres.sh start DIR {port} durable)", stop);
        }
        catch (Exception ex)
        {
            stop.Dispose();
            throw new InvalidOperationException(
                $"Could not start PostgreSQL for the benchmark ({ex.Message.Trim()}). Install it (apt-get install -y postgresql), " +
                $"pick another port with --postgres-port, give a server in {EnvironmentVariable}, or --skip postgres,scaleout.", ex);
        }
    }

    /// <summary>The server's version and the durability settings the figures were taken with.</summary>
    public async Task<string> DescribeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"PostgreSQL {reader.GetString(0)} (fsync {reader.GetString(1)}, synchronous_commit {reader.GetString(2)}, " +
            $"full_page_writes {reader.GetString(3)}), {Origin}";
    }

    /// <summary>JobTracker's database in a schema of its own, emptied first and migrated.</summary>
    public async Task<Database> FreshDatabaseAsync(string schema)
    {
        await DropSchemaAsync(schema);
        var database = Database.Create(
            PostgreSqlProvider.ProviderName,
            new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString,
            Environment.CurrentDirectory);
        // DbUp's EnsureDatabase logs its master connection string to the console: keep it out of the figures.
        var console = Console.Out;
        Console.SetOut(TextWriter.Null);
        try { database.Migrate(); }
        finally { Console.SetOut(console); }
        return database;
    }

    public async Task DropSchemaAsync(string schema)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs one psql command (such as \copy) against the server as a separate process, timed from start to exit.</summary>
    public async Task<TimeSpan> PsqlAsync(string command)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var conninfo = string.Join(' ',
            new[] { ("host", builder.Host), ("port", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("user", builder.Username), ("dbname", builder.Database) }
                .Where(pair => !string.IsNullOrEmpty(pair.Item2))
                .Select(pair => $"{pair.Item1}='{pair.Item2!.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("'", @"\'", StringComparison.Ordinal)}'"));
        var start = new ProcessStartInfo("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", command]);
        if (!string.IsNullOrEmpty(builder.Password)) start.Environment["PGPASSWORD"] = builder.Password;
        return (await Timing.RunProcessAsync(start)).Elapsed;
    }

    /// <summary>A single-quoted SQL/psql literal.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        stopCluster?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Script => Path.Combine(Repository.Root, "tests", "postgres.sh");

    private static void StopCluster(string root, string cluster)
    {
        using (var stop = Process.Start(new ProcessStartInfo("bash", [Script, "stop", cluster]) { RedirectStandardOutput = true, RedirectStandardError = true }))
            stop?.WaitForExit();
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }
}
