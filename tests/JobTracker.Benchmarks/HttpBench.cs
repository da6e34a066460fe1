using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;

namespace JobTracker.Benchmarks;

/// <summary>
/// Import as a user meets it: the real product (Release build, <see cref="BenchNode"/>) as a child
/// process on its own embedded SQLite file and storage folder, workers and poll interval as in the
/// default configuration, no demo data; a browser (<see cref="BenchBrowser"/>) signs in, posts the file
/// through the Import form (streamed multipart, as htmx posts it), finds the job in the Job Tracker's
/// table partial and polls the Job Details partial every 2 s as the page does until the job is final.
/// Time: from the upload's answer (the file stored, the job queued: accepted) to the job's finished_at;
/// every row must have succeeded. For the 6-column Customers-shaped file and the 8-column file of the
/// import section, each next to <c>sqlite3 .import</c> of the same file in the same run.
/// </summary>
internal static class HttpBench
{
    /// <summary>The demo Customers collection's schema (web's DemoData): string key, name, email, decimal, date-time with time, boolean.</summary>
    public static readonly SchemaField[] CustomersSchema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("email", FieldTypes.String, false),
        new("amount", FieldTypes.Decimal, false),
        new("signupDate", FieldTypes.DateTime, false),
        new("active", FieldTypes.Boolean, false),
    ];

    /// <summary>What the http and polling sections import: a file, its row count, and the collection's schema and key.</summary>
    internal sealed record Upload(string Csv, int Rows, SchemaField[] Schema, string KeyField, string Label);

    /// <summary>An import over HTTP: accepted → finished, the upload before it, the job, and the product's peak memory.</summary>
    internal sealed record Result(TimeSpan Elapsed, TimeSpan UploadTime, long JobId, long PeakMegabytes)
    {
        /// <summary>CPU time the product used from the upload's answer until the job was final (seen by the poll).</summary>
        public TimeSpan ProductCpu { get; init; }

        /// <summary>CPU time this process (the client, and the polling section's 200 clients) used meanwhile.</summary>
        public TimeSpan ClientCpu { get; init; }

        /// <summary>The longest time between two batches' commits (a stall of the writer: a checkpoint, a collection).</summary>
        public TimeSpan LongestBatch { get; init; }
    }

    public static async Task RunAsync(BenchOptions options)
    {
        var narrow = CustomersUpload(options);
        var wide = WideUpload(options);
        Console.WriteLine($"\n== HTTP import: {options.Rows:N0} rows uploaded through the Import form of the product (Release, embedded SQLite, default workers), accepted → COMPLETED");
        Console.WriteLine($"uptime: {Uptime()}");
        foreach (var upload in new[] { narrow, wide })
        {
            var sqliteDb = Path.Combine(options.Output, "sqlite3-http-import.db");
            File.Delete(sqliteDb);
            await Timing.SyncDiskAsync();
            var sqliteTime = await Timing.RunProcessAsync("sqlite3", sqliteDb, $".import --csv {upload.Csv} t");
            File.Delete(sqliteDb);
            var sqliteRate = upload.Rows / sqliteTime.TotalSeconds;
            var result = await ImportAsync(options, upload, prepare: null);
            var rate = upload.Rows / result.Elapsed.TotalSeconds;
            Console.WriteLine($"{upload.Label}, {new FileInfo(upload.Csv).Length / (double)upload.Rows:N0} bytes a row:");
            Console.WriteLine($"  sqlite3 .import:        {sqliteTime.TotalSeconds,7:N2} s  {sqliteRate,12:N0} rows/s");
            Console.WriteLine($"  JobTracker over HTTP:   {result.Elapsed.TotalSeconds,7:N2} s  {rate,12:N0} rows/s  (COMPLETED, every row succeeded; " +
                $"upload {result.UploadTime.TotalSeconds:N2} s before it; product peak memory {result.PeakMegabytes:N0} MB; {result.ProductCpu.TotalSeconds:N1} s of CPU; " +
                $"longest batch {result.LongestBatch.TotalMilliseconds:N0} ms)");
            Console.WriteLine($"import ratio (http, {upload.Schema.Length} columns): {rate / sqliteRate:0.00}");
        }
        Console.WriteLine($"uptime: {Uptime()}");
    }

    public static Upload CustomersUpload(BenchOptions options)
    {
        var csv = Path.Combine(options.Output, $"customers-{options.Rows}.csv");
        GenerateCustomersCsv(csv, options.Rows);
        return new Upload(csv, options.Rows, CustomersSchema, "customerId", "6 columns (demo Customers shape)");
    }

    public static Upload WideUpload(BenchOptions options)
    {
        var csv = Path.Combine(options.Output, $"import-{options.Rows}.csv");
        ImportBench.GenerateCsv(csv, options.Rows);
        return new Upload(csv, options.Rows, ImportBench.Schema, "id", "8 columns (the import section's file)");
    }

    /// <summary>
    /// A fresh product (folder, database, storage) with one empty collection for <paramref name="upload"/>,
    /// the file imported over HTTP as above. <paramref name="prepare"/> (the polling section's load) is
    /// called once the product listens, before the upload; what it returns runs from the moment the job
    /// is known (collection id, job id) until the job is final, then is canceled and awaited.
    /// </summary>
    internal static async Task<Result> ImportAsync(BenchOptions options, Upload upload,
        Func<BenchNode, Task<Func<long, long, CancellationToken, Task>>>? prepare)
    {
        var folder = Path.Combine(options.Output, "http-node");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        await Timing.SyncDiskAsync();
        var databaseFile = Path.Combine(folder, "data", "jobtracker.db");
        Directory.CreateDirectory(Path.GetDirectoryName(databaseFile)!);
        var connectionString = $"Data Source={databaseFile}";

        // The collection is made in the database before the product starts (as an admin would make it on the Edit page).
        var database = Database.Create(SqliteProvider.ProviderName, connectionString, folder);
        database.Migrate();
        var collectionId = await CreateCollectionAsync(database, upload);

        using var node = await BenchNode.StartAsync(folder, new Dictionary<string, string>
        {
            ["ConnectionStrings__JobTracker"] = connectionString,
            ["JobTracker__StoragePath"] = Path.Combine(folder, "data", "files"),
            ["JobTracker__DemoData"] = "false",
            ["JobTracker__Admin__Password"] = BenchBrowser.AdminPassword,
            // The polling section signs 200 sessions in from one address as one user: no sign-in rate limits.
            ["JobTracker__SignIn__ClientPermits"] = "0",
            ["JobTracker__SignIn__UserNamePermits"] = "0",
        });
        var alongside = prepare is null ? null : await prepare(node);
        using var browser = await BenchBrowser.SignInAsync(node.BaseAddress);

        var uploadClock = Stopwatch.StartNew();
        await browser.UploadAsync(collectionId, upload.Csv);
        var acceptedAt = DateTime.UtcNow;
        var (productCpu, clientCpu) = (node.CpuTime, Process.GetCurrentProcess().TotalProcessorTime);
        var uploadTime = uploadClock.Elapsed;

        var tracker = $"/Collections/{collectionId}/Jobs";
        var (table, _) = await browser.PollAsync(tracker, "job-table");
        var jobId = long.Parse(System.Text.RegularExpressions.Regex.Match(table, "data-job-id=\"([0-9]+)\"") is { Success: true } row ? row.Groups[1].Value
            : throw new InvalidOperationException("the Job Tracker shows no job after the upload"), CultureInfo.InvariantCulture);

        using var stop = new CancellationTokenSource();
        var load = alongside is null ? Task.CompletedTask : Task.Run(() => alongside(collectionId, jobId, stop.Token));
        var details = $"/Jobs/{jobId}";
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(60);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var (panel, _) = await browser.PollAsync(details, "batch-table");
            if (panel.Contains("data-polling=\"false\"", StringComparison.Ordinal)) break;
            if (node.HasExited) throw new InvalidOperationException($"the product exited during the import:\n{node.Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId} did not finish within an hour");
        }
        productCpu = node.CpuTime - productCpu;
        clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        await stop.CancelAsync();
        await load;

        await using var check = await database.OpenAsync();
        var job = await check.QuerySingleAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @jobId", new { jobId });
        if (job.Status != Status.Completed || job.SucceededRows != upload.Rows)
            throw new InvalidOperationException($"job {jobId} over HTTP: {job.Status}, {job.SucceededRows:N0} of {upload.Rows:N0} rows succeeded {job.StatusReason}");
        var finished = (await check.QueryAsync<DateTime>("SELECT finished_at FROM batches WHERE job_id = @jobId ORDER BY batch_no", new { jobId })).ToList();
        var longest = finished.Zip(finished.Skip(1), (before, after) => after - before).DefaultIfEmpty().Max();
        var peak = node.PeakResidentMegabytes;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return new Result(job.FinishedAt!.Value - acceptedAt, uploadTime, jobId, peak) { ProductCpu = productCpu, ClientCpu = clientCpu, LongestBatch = longest };
    }

    private static async Task<long> CreateCollectionAsync(Database database, Upload upload)
    {
        await using var connection = await database.OpenAsync();
        var workspaceId = await connection.ExecuteScalarAsync<long>("INSERT INTO workspaces (name, created_at) VALUES ('Bench', @now) RETURNING id", new { now = DateTime.UtcNow });
        return await connection.ExecuteScalarAsync<long>(
            "INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at) VALUES (@workspaceId, 'Customers', @key, @schema, @now) RETURNING id",
            new { workspaceId, key = upload.KeyField, schema = CollectionSchema.Serialize(upload.Schema), now = DateTime.UtcNow });
    }

    /// <summary>Writes a Customers-shaped CSV (customerId,name,email,amount,signupDate,active; about 78 bytes a row) unless it exists.</summary>
    public static long GenerateCustomersCsv(string path, int rows)
    {
        if (File.Exists(path)) return new FileInfo(path).Length;
        string[] first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Dennis", "Frances", "Ken", "Radia", "Tim"];
        string[] last = ["Lovelace", "Hopper", "Turing", "Liskov", "Ritchie", "Allen", "Thompson", "Perlman", "Lee", "Knuth"];
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("customerId,name,email,amount,signupDate,active\n");
            var random = new Random(42);
            var t0 = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            for (var i = 1; i <= rows; i++)
            {
                var f = first[random.Next(first.Length)];
                var l = last[random.Next(last.Length)];
                writer.Write('C');
                writer.Write(i.ToString("D7", CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(f);
                writer.Write(' ');
                writer.Write(l);
                writer.Write(',');
                writer.Write(f.ToLowerInvariant());
                writer.Write(i.ToString(CultureInfo.InvariantCulture));
                writer.Write("@example.com,");
                writer.Write((random.Next(0, 1_000_000) / 100m).ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(t0.AddMinutes(random.Next(0, 3_000_000)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                writer.Write(random.Next(4) == 0 ? ",false\n" : ",true\n");
            }
        }
        File.Move(temp, path, overwrite: true);
        return new FileInfo(path).Length;
    }

    /// <summary>The load averages, as `uptime` prints them, to read next to any figure.</summary>
    internal static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";
}
