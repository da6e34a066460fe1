using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Benchmarks;

/// <summary>
/// Server time of the Job Tracker and Job Details pages with 100k jobs in a collection and 1,000
/// batches in a job: the real app in-process (WebApplicationFactory / TestServer, no network), signed
/// in as admin through the login form, on a database seeded directly with SQL.
/// Target: p95 ≤ 25 ms per page.
/// </summary>
internal static partial class PageBench
{
    private const double TargetMs = 25;
    private const int FinishedJobs = 100_000;
    private const int BigJobBatches = 1_000;
    private const int BatchSize = 1_000;
    private const int WarmUp = 50;
    private const int Timed = 300;
    private const string AdminPassword = "bench-admin-password";
    private const string RequestIdHeader = "X-Bench-Request";

    /// <summary>The finished 1,000-batch job sits in the middle of the 100k (RAN WITH ERRORS).</summary>
    private const long FinishedBigJobId = FinishedJobs / 2;

    /// <summary>The newest jobs are unfinished: the running 1,000-batch job, then two queued behind it.</summary>
    private const long RunningBigJobId = FinishedJobs + 1;

    private const int QueuedJobs = 2;

    private static readonly DateTime Now = new(2025, 6, 2, 9, 30, 0, DateTimeKind.Utc);

    /// <summary>A page to time; a Conditional one is a poll that sends back the ETag of its last answer (304 while nothing changed).</summary>
    internal sealed record Probe(string Name, string Url, bool Htmx, Func<string, string?> Check, bool Conditional = false);

    private static readonly ConcurrentDictionary<Probe, string> ETags = new();

    public static async Task RunAsync(BenchOptions options)
    {
        var total = Stopwatch.StartNew();
        var databaseFile = Path.Combine(options.Output, "pages.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(databaseFile + suffix);
        var storage = Path.Combine(options.Output, "pages-files");
        Console.WriteLine($"\n== Pages: {FinishedJobs:N0} finished jobs + {1 + QueuedJobs} unfinished in one collection, jobs {FinishedBigJobId} (finished) and {RunningBigJobId} (IN PROGRESS) with {BigJobBatches:N0} batches each");

        var serverTimes = new ConcurrentDictionary<string, double>();
        await using var factory = new PagesFactory(databaseFile, storage, Path.Combine(options.Output, "pages-keys"), serverTimes);

        // Starting the host migrates the new database and creates the admin from JobTracker:Admin:Password.
        var database = factory.Services.GetRequiredService<Database>();
        var seedClock = Stopwatch.StartNew();
        var collectionId = await SeedAsync(database);
        Console.WriteLine($"seeded in {seedClock.Elapsed.TotalSeconds:N1} s ({new FileInfo(databaseFile).Length / 1e6:N0} MB): collection {collectionId}");

        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await SignInAsync(client);

        var tracker = $"/Collections/{collectionId}/Jobs";
        const int deepPage = 2_000;
        var lastPage = (FinishedJobs + 1 + QueuedJobs + JobsModel.PageSize - 1) / JobsModel.PageSize;
        var running = $"/Jobs/{RunningBigJobId}";
        Probe[] probes =
        [
            new("Job Tracker page 1", tracker, false, html => ExpectTracker(html, rows: JobsModel.PageSize, polling: true, firstJob: RunningBigJobId + QueuedJobs)),
            new($"Job Tracker page {deepPage:N0}", $"{tracker}?after={RunningBigJobId + QueuedJobs - (deepPage - 1) * JobsModel.PageSize + 1}&page={deepPage}", false, html => ExpectTracker(html, rows: JobsModel.PageSize, polling: true, firstJob: RunningBigJobId + QueuedJobs - (deepPage - 1) * JobsModel.PageSize)),
            new($"Job Tracker page {lastPage:N0} (last)", $"{tracker}?after={(FinishedJobs + 1 + QueuedJobs) % JobsModel.PageSize + 1}&page={lastPage}", false, html => ExpectTracker(html, rows: (FinishedJobs + 1 + QueuedJobs) % JobsModel.PageSize, polling: true, firstJob: (FinishedJobs + 1 + QueuedJobs) % JobsModel.PageSize)),
            new("Job Tracker partial (poll)", tracker, true, html => html.Contains("<html", StringComparison.Ordinal) ? "got the whole page" : ExpectTracker(html, rows: JobsModel.PageSize, polling: true, firstJob: RunningBigJobId + QueuedJobs)),
            new("Job Details running, page 1", running, false, html => ExpectDetails(html, polling: true, firstBatch: 1, rows: 50)),
            new("Job Details running, completed", $"{running}?status=completed", false, html => ExpectDetails(html, polling: true, firstBatch: 1, rows: 50, only: Status.Completed)),
            new("Job Details running, page 20", $"{running}?page=20", false, html => ExpectDetails(html, polling: true, firstBatch: 951, rows: 50)),
            new("Job Details partial (poll)", running, true, html => html.Contains("<html", StringComparison.Ordinal) ? "got the whole page" : ExpectDetails(html, polling: true, firstBatch: 1, rows: 50)),
            new("Job Details finished, page 1", $"/Jobs/{FinishedBigJobId}", false, html => ExpectDetails(html, polling: false, firstBatch: 1, rows: 50)),
            new("Job Tracker partial (poll, same)", tracker, true, html => ExpectTracker(html, rows: JobsModel.PageSize, polling: true, firstJob: RunningBigJobId + QueuedJobs), Conditional: true),
        ];
        // JOBTRACKER_BENCH_PAGES=partial: only the probes whose name contains it (e.g. the two polls).
        if (Environment.GetEnvironmentVariable("JOBTRACKER_BENCH_PAGES") is { Length: > 0 } only)
            probes = probes.Where(p => p.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToArray();

        // Each page once, checked: the right state (polling or not), rows and first row.
        var sizes = new Dictionary<Probe, int>();
        var sequence = 0;
        foreach (var probe in probes)
        {
            var (status, body, _, _) = await GetAsync(client, probe, serverTimes, ++sequence);
            var problem = status != HttpStatusCode.OK ? $"HTTP {(int)status}" : probe.Check(body);
            if (probe.Conditional && problem is null && (await GetAsync(client, probe, serverTimes, ++sequence)).Status != HttpStatusCode.NotModified)
                problem = "the same poll again did not answer 304 Not Modified";
            if (problem is not null) throw new InvalidOperationException($"{probe.Name} ({probe.Url}): {problem}");
            sizes[probe] = body.Length;
        }

        foreach (var probe in probes)
            for (var i = 0; i < WarmUp; i++)
                await GetAsync(client, probe, serverTimes, ++sequence);

        // Round robin, so that noise from the rest of the machine lands on every page alike.
        var server = probes.ToDictionary(p => p, _ => new List<double>(Timed));
        var roundTrip = probes.ToDictionary(p => p, _ => new List<double>(Timed));
        var allocated = probes.ToDictionary(p => p, _ => 0L);
        for (var i = 0; i < Timed; i++)
        {
            foreach (var probe in probes)
            {
                var before = GC.GetTotalAllocatedBytes();
                var (status, _, serverMs, clientMs) = await GetAsync(client, probe, serverTimes, ++sequence);
                allocated[probe] += GC.GetTotalAllocatedBytes() - before;
                if (status != (probe.Conditional ? HttpStatusCode.NotModified : HttpStatusCode.OK)) throw new InvalidOperationException($"{probe.Name}: HTTP {(int)status}");
                server[probe].Add(serverMs);
                roundTrip[probe].Add(clientMs);
            }
        }

        Console.WriteLine($"{Timed} timed requests a page after {WarmUp} warm-up, round robin; server = app pipeline (outermost middleware), client = HttpClient GET + body over TestServer");
        Console.WriteLine($"{"page",-34} {"bytes",8} {"server p50",11} {"p95",7} {"max",7} {"client p50",11} {"p95",7} {"KB alloc",9}");
        foreach (var probe in probes)
        {
            var s = server[probe].Order().ToList();
            var c = roundTrip[probe].Order().ToList();
            // Allocated in this process (app and in-process client) per request.
            Console.WriteLine($"{probe.Name,-34} {sizes[probe],8:N0} {Timing.Percentile(s, 50),11:N2} {Timing.Percentile(s, 95),7:N2} {s[^1],7:N2} {Timing.Percentile(c, 50),11:N2} {Timing.Percentile(c, 95),7:N2} {allocated[probe] / 1024.0 / Timed,9:N0}");
        }
        foreach (var probe in probes)
        {
            var p95 = Timing.Percentile(server[probe].Order().ToList(), 95);
            Console.WriteLine($"{probe.Name.ToLowerInvariant()} p95: {p95:N1} ms (target {TargetMs:0}){(p95 > TargetMs ? "  MISSED" : "")}");
        }
        Console.WriteLine($"pages part: {total.Elapsed.TotalSeconds:N1} s; load average {LoadAverage()} (a busy machine shows in p95 and max)");
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static async Task<(HttpStatusCode Status, string Body, double ServerMs, double ClientMs)> GetAsync(
        HttpClient client, Probe probe, ConcurrentDictionary<string, double> serverTimes, int sequence)
    {
        var id = sequence.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Get, probe.Url);
        request.Headers.Add(RequestIdHeader, id);
        if (probe.Htmx)
        {
            request.Headers.Add("HX-Request", "true");
            request.Headers.Add("HX-Current-URL", "http://localhost" + probe.Url);
        }
        if (probe.Conditional && ETags.TryGetValue(probe, out var etag)) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (probe.Conditional && response.Headers.ETag is { } sent) ETags[probe] = sent.ToString();
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();

        // The pipeline has returned once the body is complete; wait a moment in case its last step is still being recorded.
        double serverMs;
        var spins = 0;
        while (!serverTimes.TryRemove(id, out serverMs))
        {
            if (++spins > 1000) throw new InvalidOperationException($"no server time recorded for request {id}");
            await Task.Delay(1);
        }
        return (response.StatusCode, body, serverMs, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>Signs in as admin the way a browser does: the login form's antiforgery field and cookie, then POST.</summary>
    internal static async Task SignInAsync(HttpClient client)
    {
        var form = await client.GetStringAsync("/Account/Login");
        var token = AntiforgeryField().Match(form) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("the login form has no antiforgery field");
        using var post = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = "admin",
            ["Input.Password"] = AdminPassword,
            ["returnUrl"] = "",
            ["__RequestVerificationToken"] = token,
        }));
        if (post.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"sign-in answered {(int)post.StatusCode}, not a redirect");
        using var home = await client.GetAsync("/");
        if (home.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"after sign-in the home page answered {(int)home.StatusCode}");
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="__RequestVerificationToken""")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("""data-testid="job-row" data-job-id="(\d+)" data-status="([^"]+)""")]
    internal static partial Regex JobRow();

    [GeneratedRegex("""data-testid="batch-row" data-batch-no="(\d+)" data-status="([^"]+)""")]
    private static partial Regex BatchRow();

    private static string? ExpectTracker(string html, int rows, bool polling, long firstJob)
    {
        var found = JobRow().Matches(html);
        if (found.Count != rows) return $"{found.Count} job rows, expected {rows}";
        if (long.Parse(found[0].Groups[1].Value, CultureInfo.InvariantCulture) != firstJob) return $"first job {found[0].Groups[1].Value}, expected {firstJob}";
        if (!html.Contains($"data-polling=\"{(polling ? "true" : "false")}\"", StringComparison.Ordinal)) return $"not polling={polling}";
        return null;
    }

    private static string? ExpectDetails(string html, bool polling, int firstBatch, int rows, string? only = null)
    {
        var found = BatchRow().Matches(html);
        if (found.Count != rows) return $"{found.Count} batch rows, expected {rows}";
        if (int.Parse(found[0].Groups[1].Value, CultureInfo.InvariantCulture) != firstBatch) return $"first batch {found[0].Groups[1].Value}, expected {firstBatch}";
        if (only is not null && found.Any(m => m.Groups[2].Value != only)) return $"a batch that is not {only}";
        if (!html.Contains($"data-polling=\"{(polling ? "true" : "false")}\"", StringComparison.Ordinal)) return $"not polling={polling}";
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Seeding

    private static readonly string[] Users = ["admin", "j.doe", "m.rossi", "a.nakamura", "l.okafor", "ops-bot", "s.lindqvist", "nightly-sync"];
    private static readonly string[] Subjects = ["orders", "customers", "products", "invoices", "stock-levels", "price-list", "returns", "suppliers"];

    /// <summary>
    /// One workspace and collection; jobs 1..100,000 finished (newest last, about 5 minutes apart,
    /// ~82% COMPLETED, 9% RAN WITH ERRORS, 5% FAILED, 4% CANCELED, 5% exports); job 50,000 is the
    /// finished 1,000-batch job; then job 100,001 IN PROGRESS with 1,000 batches and two QUEUED jobs.
    /// </summary>
    private static async Task<long> SeedAsync(Database database)
    {
        await using var connection = (SqliteConnection)await database.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();

        long Scalar(string sql, params (string Name, object? Value)[] parameters)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        var workspaceId = Scalar("INSERT INTO workspaces (name, created_at) VALUES ('Northwind Retail', @now) RETURNING id", ("@now", Now.AddYears(-2)));
        var collectionId = Scalar("""
            INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at)
            VALUES (@w, 'Orders', 'id', @schema, @now) RETURNING id
            """, ("@w", workspaceId), ("@schema", CollectionSchema.Serialize(ImportBench.Schema)), ("@now", Now.AddYears(-2)));
        var fileId = Scalar("""
            INSERT INTO stored_files (file_name, storage_name, size_bytes, created_at)
            VALUES ('orders-full-2025.csv', 'bench-orders-full-2025.csv', 104857600, @now) RETURNING id
            """, ("@now", Now.AddHours(-1)));

        using var insertJob = connection.CreateCommand();
        insertJob.Transaction = transaction;
        insertJob.CommandText = """
            INSERT INTO jobs (id, collection_id, job_type, file_name, file_format, source_file_id, status, status_reason,
                              initiated_by, batch_size, created_at, started_at, finished_at, total_rows,
                              succeeded_rows, failed_rows, batch_count, csv_header, lease_owner, lease_until)
            VALUES (@id, @collection, @type, @file, @format, @source, @status, @reason,
                    @by, @batchSize, @created, @started, @finished, @total,
                    @succeeded, @failed, @batches, @header, @leaseOwner, @leaseUntil)
            """;
        var p = new Dictionary<string, SqliteParameter>();
        foreach (var name in new[] { "id", "collection", "type", "file", "format", "source", "status", "reason", "by", "batchSize", "created", "started", "finished", "total", "succeeded", "failed", "batches", "header", "leaseOwner", "leaseUntil" })
            p[name] = insertJob.Parameters.Add(new SqliteParameter { ParameterName = "@" + name });
        insertJob.Prepare();
        void Set(string name, object? value) => p[name].Value = value ?? DBNull.Value;

        const string header = "id,name,email,amount,date,status,city,notes";
        var random = new Random(20250602);
        var firstCreated = Now.AddMinutes(-5.0 * (FinishedJobs + 12));
        var bigTotal = (BigJobBatches - 1) * BatchSize + BatchSize / 2;
        var finishedBigStart = default(DateTime);
        for (long id = 1; id <= FinishedJobs + 1 + QueuedJobs; id++)
        {
            var created = firstCreated.AddMinutes(5.0 * id).AddSeconds(random.Next(0, 240));
            var subject = Subjects[random.Next(Subjects.Length)];
            var isExport = id % 20 == 7;
            var r = random.NextDouble();
            string? format = isExport ? null : r < 0.70 ? "Csv" : r < 0.88 ? "Json" : "JsonLines";
            var extension = format switch { null or "Csv" => "csv", "Json" => "json", _ => "jsonl" };
            var file = isExport ? $"export-{subject}-{created:yyyyMMdd-HHmm}.csv" : $"{subject}-{created:yyyy-MM-dd}-{id % 1000:D3}.{extension}";
            long? total = (long)Math.Pow(10, 1 + random.NextDouble() * 4.7);
            var roll = random.NextDouble();
            var status = roll < 0.82 ? Status.Completed : roll < 0.91 ? Status.RanWithErrors : roll < 0.96 ? Status.Failed : Status.Canceled;
            DateTime? started = created.AddSeconds(random.Next(1, 30));
            long failed = 0, succeeded = total.Value;
            string? reason = null;
            long? source = null;
            switch (status)
            {
                case Status.RanWithErrors:
                    failed = Math.Max(1, (long)(total.Value * random.NextDouble() * 0.05));
                    succeeded = total.Value - failed;
                    reason = $"{failed:N0} of {total:N0} rows failed validation; the audit log lists them.";
                    break;
                case Status.Failed when random.Next(2) == 0:
                    total = null;
                    succeeded = 0;
                    reason = "Line 1: the file has no header row, so no column can be matched to the schema.";
                    break;
                case Status.Failed:
                    succeeded = (long)(total.Value * random.NextDouble());
                    reason = $"Batch {succeeded / BatchSize + 1} failed: the database was busy for longer than 30 seconds.";
                    break;
                case Status.Canceled when random.Next(3) == 0:
                    started = null;
                    total = null;
                    succeeded = 0;
                    reason = $"Stopped by {Users[random.Next(Users.Length)]} before it started.";
                    break;
                case Status.Canceled:
                    succeeded = (long)(total.Value * random.NextDouble());
                    reason = $"Stopped by {Users[random.Next(Users.Length)]}.";
                    break;
            }
            DateTime? finished = (started ?? created).AddSeconds(1 + (total ?? 0) / 15_000.0 + random.Next(0, 5));
            string? leaseOwner = null;
            DateTime? leaseUntil = null;

            if (id == FinishedBigJobId)
            {
                (isExport, format, file, source) = (false, "Csv", "orders-full-2024.csv", fileId);
                (status, total, failed) = (Status.RanWithErrors, bigTotal, 0); // counts filled in from the batches below
                reason = "Some rows failed validation; the audit log lists them.";
                started = finishedBigStart = created.AddSeconds(20);
                finished = started.Value.AddMinutes(11);
            }
            else if (id == RunningBigJobId)
            {
                (isExport, format, file, source) = (false, "Csv", "orders-full-2025.csv", fileId);
                (status, reason, total, failed) = (Status.InProgress, null, bigTotal, 0);
                created = Now.AddMinutes(-10);
                started = Now.AddMinutes(-9);
                finished = null;
                (leaseOwner, leaseUntil) = ("bench-node", Now.AddSeconds(30));
            }
            else if (id > RunningBigJobId)
            {
                (status, reason, total, succeeded, failed) = (Status.Queued, null, null, 0, 0);
                created = Now.AddMinutes(-8 + id - RunningBigJobId);
                (started, finished) = (null, null);
            }

            Set("id", id);
            Set("collection", collectionId);
            Set("type", isExport ? "Export" : "Import");
            Set("file", file);
            Set("format", format);
            Set("source", source);
            Set("status", status);
            Set("reason", reason);
            Set("by", Users[random.Next(Users.Length)]);
            Set("batchSize", BatchSize);
            Set("created", created);
            Set("started", started);
            Set("finished", finished);
            Set("total", total);
            Set("succeeded", succeeded);
            Set("failed", failed);
            Set("batches", total is { } t ? (t + BatchSize - 1) / BatchSize : null);
            Set("header", format == "Csv" ? header : null);
            Set("leaseOwner", leaseOwner);
            Set("leaseUntil", leaseUntil);
            insertJob.ExecuteNonQuery();
        }

        using var insertBatch = connection.CreateCommand();
        insertBatch.Transaction = transaction;
        insertBatch.CommandText = """
            INSERT INTO batches (job_id, batch_no, status, status_reason, first_row, row_count, byte_offset, byte_length,
                                 first_line, started_at, finished_at, succeeded_rows, failed_rows)
            VALUES (@job, @no, @status, @reason, @firstRow, @rows, @offset, @length, @line, @started, @finished, @succeeded, @failed)
            """;
        var b = new Dictionary<string, SqliteParameter>();
        foreach (var name in new[] { "job", "no", "status", "reason", "firstRow", "rows", "offset", "length", "line", "started", "finished", "succeeded", "failed" })
            b[name] = insertBatch.Parameters.Add(new SqliteParameter { ParameterName = "@" + name });
        insertBatch.Prepare();

        foreach (var (jobId, running) in new[] { (FinishedBigJobId, false), (RunningBigJobId, true) })
        {
            var jobStart = running ? Now.AddMinutes(-9) : finishedBigStart;
            long jobSucceeded = 0, jobFailed = 0;
            for (var no = 1; no <= BigJobBatches; no++)
            {
                var rows = no == BigJobBatches ? BatchSize / 2 : BatchSize;
                // Running: 1..600 done, 601..602 IN PROGRESS (two workers), the rest QUEUED.
                var status = running && no > 602 ? Status.Queued
                    : running && no > 600 ? Status.InProgress
                    : no % 211 == 0 ? Status.Failed
                    : no % 37 == 0 ? Status.RanWithErrors
                    : Status.Completed;
                var failedRows = status switch { Status.RanWithErrors => 1 + no % 23, Status.Failed => rows, _ => 0 };
                var succeededRows = status is Status.Completed or Status.RanWithErrors ? rows - failedRows : 0;
                DateTime? started = status == Status.Queued ? null : jobStart.AddSeconds(no * 0.6);
                DateTime? finished = status is Status.Queued or Status.InProgress ? null : started!.Value.AddSeconds(1.1);
                b["job"].Value = jobId;
                b["no"].Value = no;
                b["status"].Value = status;
                b["reason"].Value = status switch
                {
                    Status.RanWithErrors => $"{failedRows} of {rows} rows failed validation.",
                    Status.Failed => "The database was busy for longer than 30 seconds; the batch was rolled back.",
                    _ => DBNull.Value,
                };
                b["firstRow"].Value = (no - 1L) * BatchSize;
                b["rows"].Value = rows;
                b["offset"].Value = (no - 1L) * BatchSize * 105;
                b["length"].Value = rows * 105;
                b["line"].Value = (no - 1L) * BatchSize + 2;
                b["started"].Value = started is { } s ? s : DBNull.Value;
                b["finished"].Value = finished is { } f ? f : DBNull.Value;
                b["succeeded"].Value = succeededRows;
                b["failed"].Value = failedRows;
                insertBatch.ExecuteNonQuery();
                jobSucceeded += succeededRows;
                jobFailed += failedRows;
            }
            Scalar("UPDATE jobs SET succeeded_rows = @s, failed_rows = @f WHERE id = @id RETURNING id", ("@s", jobSucceeded), ("@f", jobFailed), ("@id", jobId));
        }

        await transaction.CommitAsync();
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        checkpoint.ExecuteNonQuery();
        return collectionId;
    }

    // ---------------------------------------------------------------------------------------------
    // Hosting

    /// <summary>
    /// The real app (its Program, found through a type of the web assembly: this console program has
    /// a Program of its own) on a fresh database, no workers, no demo data, logging at Warning.
    /// </summary>
    internal sealed class PagesFactory(string databaseFile, string storage, string keys, ConcurrentDictionary<string, double> serverTimes)
        : WebApplicationFactory<JobsModel>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // The web project's folder, from the manifest Mvc.Testing writes next to this program (WebApplicationFactory
            // only looks for it in the current directory, and this console program's assembly carries no content-root attribute).
            var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json")))!;
            builder.UseContentRoot(manifest[typeof(JobsModel).Assembly.FullName!]);
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:JobTracker", $"Data Source={databaseFile}");
            builder.UseSetting("JobTracker:StoragePath", storage);
            builder.UseSetting("JobTracker:Admin:Password", AdminPassword);
            builder.UseSetting("JobTracker:RunWorkers", "false");
            builder.UseSetting("JobTracker:DemoData", "false");
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime", "Warning");
            builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore.DataProtection", "Error"); // "no XML encryptor" for the bench keys
            builder.UseSetting("Serilog:WriteTo:1:Args:path", Path.Combine(Path.GetDirectoryName(databaseFile)!, "pages-logs", "jobtracker-.log"));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ServerTimer(serverTimes)));
            // Keys with the benchmark's output rather than in web/data/keys.
            builder.ConfigureTestServices(services => services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys)));
        }
    }

    /// <summary>Outermost middleware: the time the app's whole pipeline takes for a request, by the request's bench id.</summary>
    private sealed class ServerTimer(ConcurrentDictionary<string, double> serverTimes) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate inner) =>
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await inner(context);
                }
                finally
                {
                    if (context.Request.Headers.TryGetValue(RequestIdHeader, out var id))
                        serverTimes[id.ToString()] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            });
            next(app);
        };
    }
}
