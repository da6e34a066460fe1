using System.Diagnostics;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;
using JobTracker.Jobs;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobTracker.Benchmarks;

/// <summary>
/// Import throughput through the real pipeline (stored upload → job → split → batches validated,
/// upserted and audited → COMPLETED) next to sqlite3's own .import of the same file, and the peak
/// memory of a process importing a large file.
/// </summary>
internal static class ImportBench
{
    public static readonly SchemaField[] Schema =
    [
        new("id", FieldTypes.Integer, true),
        new("name", FieldTypes.String, true),
        new("email", FieldTypes.String, false),
        new("amount", FieldTypes.Decimal, false),
        new("date", FieldTypes.DateTime, false),
        new("status", FieldTypes.String, false),
        new("city", FieldTypes.String, false),
        new("notes", FieldTypes.String, false),
    ];

    /// <summary>A 6-column file shaped like the demo Customers collection: string key, name, email, decimal, date-time with time, boolean.</summary>
    public static readonly SchemaField[] NarrowSchema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("email", FieldTypes.String, false),
        new("amount", FieldTypes.Decimal, false),
        new("signupDate", FieldTypes.DateTime, false),
        new("active", FieldTypes.Boolean, false),
    ];

    /// <summary>
    /// The 8-column file; with JOBTRACKER_BENCH_COLUMNS=6 the narrow file instead, or "6,8" for both
    /// (narrow files show the per-row cost: sqlite3 .import is bound by bytes, the pipeline by rows).
    /// </summary>
    public static async Task RunAsync(BenchOptions options)
    {
        var columns = Environment.GetEnvironmentVariable("JOBTRACKER_BENCH_COLUMNS") ?? "8";
        foreach (var width in columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            await RunAsync(options, width == "6");
    }

    private static async Task RunAsync(BenchOptions options, bool narrow)
    {
        var csv = Path.Combine(options.Output, narrow ? $"import6-{options.Rows}.csv" : $"import-{options.Rows}.csv");
        var size = narrow ? GenerateNarrowCsv(csv, options.Rows) : GenerateCsv(csv, options.Rows);
        Console.WriteLine($"\n== Import: {options.Rows:N0} rows × {(narrow ? 6 : 8)} columns ({size / 1e6:N0} MB CSV)");

        var sqliteDb = Path.Combine(options.Output, "sqlite3-import.db");
        File.Delete(sqliteDb);
        var sqliteTime = await Timing.RunProcessAsync("sqlite3", sqliteDb, $".import --csv {csv} t");
        var sqliteRate = options.Rows / sqliteTime.TotalSeconds;
        Console.WriteLine($"sqlite3 .import:     {sqliteTime.TotalSeconds,7:N2} s  {sqliteRate,12:N0} rows/s");

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (elapsed, status, succeeded, _, _) = await ImportAsync(csv, Path.Combine(options.Output, narrow ? "import6.db" : "import.db"), narrow);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var rate = options.Rows / elapsed.TotalSeconds;
        Console.WriteLine($"JobTracker import:   {elapsed.TotalSeconds,7:N2} s  {rate,12:N0} rows/s  ({status}, {succeeded:N0} rows succeeded; {cpu.TotalSeconds:N1} s of CPU)");
        Console.WriteLine($"import ratio{(narrow ? " (6 columns)" : "")}: {rate / sqliteRate:0.00}");
    }

    /// <summary>Peak memory of a separate process importing a file of about the given size.</summary>
    public static async Task RunMemoryAsync(BenchOptions options)
    {
        var rows = (int)(options.MemoryGigabytes * 1e9 / 133); // the generated rows average ~133 bytes
        var csv = Path.Combine(options.Output, $"memory-{rows}.csv");
        var size = GenerateCsv(csv, rows);
        Console.WriteLine($"\n== Memory: importing {size / 1e9:0.00} GB ({rows:N0} rows) in a separate process");
        var start = new ProcessStartInfo("dotnet", [typeof(ImportBench).Assembly.Location, "--memory-child", csv, "--output", options.Output])
        {
            RedirectStandardOutput = true,
        };
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the memory child");
        Console.Write(await child.StandardOutput.ReadToEndAsync());
        await child.WaitForExitAsync();
        File.Delete(csv);
    }

    /// <summary>The child side of <see cref="RunMemoryAsync"/>: import, then report this process's peak resident set.</summary>
    public static async Task ImportInThisProcessAsync(string csv, string output)
    {
        // Samples the managed heap (live objects and garbage not yet collected), to tell the GC's share of the peak from native memory (SQLite's).
        long peakManaged = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(forceFullCollection: false));
                try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var (elapsed, status, succeeded, _, _) = await ImportAsync(csv, Path.Combine(output, "memory.db"));
        await stop.CancelAsync();
        await sampler;
        Console.WriteLine($"imported {succeeded:N0} rows in {elapsed.TotalSeconds:N1} s ({status})");
        Console.WriteLine($"peak memory: {PeakResidentMegabytes():N0} MB (VmHWM), managed heap at most {peakManaged / (1 << 20):N0} MB");
    }

    /// <summary>
    /// The engine on a database, its workers off: the benchmark runs the jobs itself, on this thread. Environment
    /// variables in the configuration's form (e.g. <c>JobTracker__ExportWriters=1</c>) set the engine's options.
    /// </summary>
    internal static ServiceProvider Engine(Database database, string storage) =>
        new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(database)
            .AddJobTrackerEngine(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["JobTracker:StoragePath"] = storage,
                ["JobTracker:RunWorkers"] = "false",
            }).AddEnvironmentVariables().Build())
            .BuildServiceProvider();

    internal static async Task<ImportResult> ImportAsync(string csv, string databaseFile, bool narrow = false)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(databaseFile + suffix);
        var database = Database.Create(SqliteProvider.ProviderName, $"Data Source={databaseFile}", Environment.CurrentDirectory);
        database.Migrate();
        return await ImportAsync(csv, database, Path.Combine(Path.GetDirectoryName(databaseFile)!, "files"), narrow);
    }

    /// <summary>Imports <paramref name="csv"/> into a new collection of a migrated, empty database (any provider), timed from the stored upload to the job's end.</summary>
    internal static async Task<ImportResult> ImportAsync(string csv, Database database, string storage, bool narrow = false)
    {
        if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
        await using var services = ImportBench.Engine(database, storage);
        var collectionId = narrow ? await CreateNarrowCollectionAsync(database) : (await CreateCollectionsAsync(database, "Bench"))[0];

        // The upload itself is not timed: the clock starts once the file is accepted into storage.
        StoredFile stored;
        await using (var upload = File.OpenRead(csv))
            stored = await services.GetRequiredService<FileStore>().SaveAsync(upload, Path.GetFileName(csv), long.MaxValue, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var jobId = await services.GetRequiredService<ImportSubmission>().SubmitAsync(collectionId, stored, FileFormat.Csv, "benchmark");
        await services.GetRequiredService<JobRunner>().RunUntilIdleAsync(CancellationToken.None);
        clock.Stop();

        await using var check = await database.OpenAsync();
        var job = await check.QuerySingleAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @jobId", new { jobId });
        return new ImportResult(clock.Elapsed, job.Status, job.SucceededRows, jobId, collectionId);
    }

    /// <summary>A workspace 'Bench' holding one collection of the benchmark's <see cref="Schema"/> (key id) per name; returns their ids.</summary>
    internal static async Task<long[]> CreateCollectionsAsync(Database database, params string[] names)
    {
        await using var connection = await database.OpenAsync();
        var workspaceId = await connection.ExecuteScalarAsync<long>("INSERT INTO workspaces (name, created_at) VALUES ('Bench', @now) RETURNING id", new { now = DateTime.UtcNow });
        var ids = new long[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            ids[i] = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at) VALUES (@workspaceId, @name, 'id', @schema, @now) RETURNING id",
                new { workspaceId, name = names[i], schema = CollectionSchema.Serialize(Schema), now = DateTime.UtcNow });
        }
        return ids;
    }

    private static async Task<long> CreateNarrowCollectionAsync(Database database)
    {
        await using var connection = await database.OpenAsync();
        var workspaceId = await connection.ExecuteScalarAsync<long>("INSERT INTO workspaces (name, created_at) VALUES ('Bench', @now) RETURNING id", new { now = DateTime.UtcNow });
        return await connection.ExecuteScalarAsync<long>(
            "INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at) VALUES (@workspaceId, 'Customers', 'customerId', @schema, @now) RETURNING id",
            new { workspaceId, schema = CollectionSchema.Serialize(NarrowSchema), now = DateTime.UtcNow });
    }

    /// <summary>Writes the narrow CSV (customerId, name, email, amount, signupDate, active; ~78 bytes a row) unless it exists.</summary>
    public static long GenerateNarrowCsv(string path, int rows)
    {
        if (File.Exists(path)) return new FileInfo(path).Length;
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("customerId,name,email,amount,signupDate,active\n");
            var random = new Random(42);
            var moment0 = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            for (var i = 1; i <= rows; i++)
            {
                writer.Write('C');
                writer.Write(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(",Customer ");
                writer.Write(i);
                writer.Write(",customer");
                writer.Write(i);
                writer.Write("@example.com,");
                writer.Write((random.Next(0, 10_000_000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(moment0.AddSeconds(random.Next(0, 150_000_000)).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(random.Next(2) == 0 ? ",true\n" : ",false\n");
            }
        }
        File.Move(temp, path, overwrite: true);
        return new FileInfo(path).Length;
    }

    /// <summary>Writes the benchmark CSV (id, name, email, amount, date, status, city, notes) unless it exists.</summary>
    public static long GenerateCsv(string path, int rows)
    {
        if (File.Exists(path)) return new FileInfo(path).Length;
        string[] statuses = ["active", "pending", "closed", "suspended"];
        string[] cities = ["Lisbon", "Oslo", "Cape Town", "Montréal", "Osaka", "Lima", "Tallinn", "Perth"];
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("id,name,email,amount,date,status,city,notes\n");
            var random = new Random(42);
            var day0 = new DateOnly(2020, 1, 1);
            for (var i = 1; i <= rows; i++)
            {
                writer.Write(i);
                writer.Write(",Customer ");
                writer.Write(i);
                writer.Write(",customer");
                writer.Write(i);
                writer.Write("@example.com,");
                writer.Write((random.Next(0, 10_000_000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(day0.AddDays(random.Next(0, 2000)).ToString("yyyy-MM-dd"));
                writer.Write(',');
                writer.Write(statuses[random.Next(statuses.Length)]);
                writer.Write(',');
                writer.Write(cities[random.Next(cities.Length)]);
                writer.Write(",Note for customer ");
                writer.Write((i % 100_000).ToString("D6"));
                writer.Write(" with some padding text\n");
            }
        }
        File.Move(temp, path, overwrite: true);
        return new FileInfo(path).Length;
    }

    internal static long PeakResidentMegabytes() => PeakResidentMegabytes(null);

    /// <summary>VmHWM of a process (this one when null), in MB; -1 where /proc has none.</summary>
    internal static long PeakResidentMegabytes(int? processId)
    {
        var status = processId is { } id ? $"/proc/{id}/status" : "/proc/self/status";
        if (!File.Exists(status)) return -1;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return -1;
    }
}

/// <summary>An import's time from submission to its end, its final status and counters, and where it went.</summary>
internal sealed record ImportResult(TimeSpan Elapsed, string Status, long Succeeded, long JobId, long CollectionId);
