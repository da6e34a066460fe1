using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using JobTracker.Db;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Benchmarks;

/// <summary>
/// Server time of the Job Tracker's search with --search-jobs N jobs (default 1,000,000) in one
/// collection, SQLite, the real app in-process like <see cref="PageBench"/>: a filtered search
/// (status + name contains + date range) on its first page and on a deep page (keyset cursor after
/// many pages), the same as the poll's partial, the status chips' own request (their capped counts,
/// which the page and the poll no longer wait for) and the unfiltered first page. Target: p95 ≤ 25 ms.
/// </summary>
internal static class SearchBench
{
    private const double TargetMs = 25;
    private const int WarmUp = 30;
    private const int Timed = 200;
    private const int DeepPage = 100;
    private static readonly string[] Subjects = ["orders", "customers", "products", "invoices", "stock-levels", "price-list", "returns", "suppliers"];
    private static readonly string[] Users = ["admin", "j.doe", "m.rossi", "a.nakamura", "l.okafor", "ops-bot", "schedule: Nightly orders", "schedule: Hourly stock"];
    private static readonly DateTime First = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task RunAsync(BenchOptions options)
    {
        var total = Stopwatch.StartNew();
        var jobs = options.SearchJobs;
        var databaseFile = Path.Combine(options.Output, "search.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(databaseFile + suffix);
        Console.WriteLine($"\n== Job search: {jobs:N0} jobs in one collection (--search-jobs N)");

        var serverTimes = new ConcurrentDictionary<string, double>();
        await using var factory = new PageBench.PagesFactory(databaseFile, Path.Combine(options.Output, "search-files"), Path.Combine(options.Output, "pages-keys"), serverTimes);
        var database = factory.Services.GetRequiredService<Database>();
        var seedClock = Stopwatch.StartNew();
        var collectionId = Seed(database, jobs);
        Console.WriteLine($"seeded in {seedClock.Elapsed.TotalSeconds:N1} s ({new FileInfo(databaseFile).Length / 1e6:N0} MB)");

        // Status RAN WITH ERRORS (~9%), name contains "customers" (1 in 8), submitted in the middle half of the jobs' year.
        var from = Created(jobs / 4).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = Created(jobs * 3L / 4).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var tracker = $"/Collections/{collectionId}/Jobs";
        var search = $"{tracker}?status={Uri.EscapeDataString(Status.RanWithErrors)}&name=customers&from={from}&to={to}";
        var (matching, cursor) = Cursor(database, collectionId, from, to);
        Console.WriteLine($"search {search}: {matching:N0} jobs match; deep page {DeepPage} starts after job {cursor}");

        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await PageBench.SignInAsync(client);
        PageBench.Probe[] probes =
        [
            new("Search, page 1", search, false, Expect),
            new($"Search, page {DeepPage} (keyset)", $"{search}&after={cursor}&page={DeepPage}", false, Expect),
            new($"Search, page {DeepPage}, poll partial", $"{search}&after={cursor}&page={DeepPage}", true, Expect),
            new("Search, status chips (own request)", $"{tracker}?handler=Chips&{search[(search.IndexOf('?') + 1)..]}", true, ExpectChips),
            new("Job Tracker page 1, no filter", tracker, false, html => PageBench.JobRow().Matches(html).Count == JobsModel.PageSize ? null : "not 25 rows"),
        ];
        var sequence = 100_000_000;
        foreach (var probe in probes)
        {
            var (status, body, _, _) = await PageBench.GetAsync(client, probe, serverTimes, ++sequence);
            var problem = status != HttpStatusCode.OK ? $"HTTP {(int)status}" : probe.Check(body);
            if (problem is not null) throw new InvalidOperationException($"{probe.Name} ({probe.Url}): {problem}");
        }
        foreach (var probe in probes)
            for (var i = 0; i < WarmUp; i++)
                await PageBench.GetAsync(client, probe, serverTimes, ++sequence);
        var server = probes.ToDictionary(p => p, _ => new List<double>(Timed));
        for (var i = 0; i < Timed; i++)
            foreach (var probe in probes)
                server[probe].Add((await PageBench.GetAsync(client, probe, serverTimes, ++sequence)).ServerMs);

        Console.WriteLine($"{Timed} timed requests a probe after {WarmUp} warm-up, round robin; server = app pipeline");
        Console.WriteLine($"{"probe",-36} {"server p50",11} {"p95",7} {"max",7}");
        foreach (var probe in probes)
        {
            var s = server[probe].Order().ToList();
            var p95 = Timing.Percentile(s, 95);
            Console.WriteLine($"{probe.Name,-36} {Timing.Percentile(s, 50),11:N2} {p95,7:N2} {s[^1],7:N2}{(p95 > TargetMs ? "  MISSED" : "")}");
        }
        Console.WriteLine($"search part: {total.Elapsed.TotalSeconds:N1} s; load average {PageBench.LoadAverage()}");
    }

    private static string? Expect(string html)
    {
        if (html.Contains("data-counted=\"true\"", StringComparison.Ordinal)) return "the page counted the chips";
        var rows = PageBench.JobRow().Matches(html);
        if (rows.Count != JobsModel.PageSize) return $"{rows.Count} rows, expected {JobsModel.PageSize}";
        return rows.All(r => r.Groups[2].Value == Status.RanWithErrors) ? null : "a row that is not RAN WITH ERRORS";
    }

    private static string? ExpectChips(string html) =>
        html.Contains("data-counted=\"true\"", StringComparison.Ordinal) && html.Contains($"data-status=\"{Status.RanWithErrors}\" data-count=\"{JobStatusCounts.Cap + 1}\"", StringComparison.Ordinal)
            ? null : $"no counted chips with {Status.RanWithErrors} over {JobStatusCounts.Cap}";

    private static DateTime Created(long id) => First.AddSeconds(30.0 * id);

    /// <summary>How many jobs match the search, and the last job of page DeepPage - 1 (straight from the database).</summary>
    private static (long Matching, long Cursor) Cursor(Database database, long collectionId, string from, string to)
    {
        using var connection = (SqliteConnection)database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id FROM jobs WHERE collection_id = @c AND status = @s AND lower(file_name) LIKE '%customers%'
               AND created_at >= @from AND created_at < @to ORDER BY created_at DESC, id DESC
            """;
        command.Parameters.AddWithValue("@c", collectionId);
        command.Parameters.AddWithValue("@s", Status.RanWithErrors);
        command.Parameters.AddWithValue("@from", DateTime.SpecifyKind(DateTime.Parse(from, CultureInfo.InvariantCulture), DateTimeKind.Utc));
        command.Parameters.AddWithValue("@to", DateTime.SpecifyKind(DateTime.Parse(to, CultureInfo.InvariantCulture), DateTimeKind.Utc).AddDays(1));
        var ids = new List<long>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) ids.Add(reader.GetInt64(0));
        var index = (DeepPage - 1) * JobsModel.PageSize - 1;
        if (ids.Count < index + JobsModel.PageSize) throw new InvalidOperationException($"only {ids.Count} jobs match: too few for page {DeepPage}");
        return (ids.Count, ids[index]);
    }

    private static long Seed(Database database, int jobs)
    {
        using var connection = (SqliteConnection)database.Open();
        using var transaction = connection.BeginTransaction();
        using var setup = connection.CreateCommand();
        setup.Transaction = transaction;
        setup.CommandText = """
            INSERT INTO workspaces (name, created_at) VALUES ('Search', @now);
            INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at)
            VALUES (last_insert_rowid(), 'Orders', 'id', '[]', @now);
            SELECT last_insert_rowid();
            """;
        setup.Parameters.AddWithValue("@now", First);
        var collectionId = Convert.ToInt64(setup.ExecuteScalar(), CultureInfo.InvariantCulture);

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO jobs (id, collection_id, job_type, file_name, file_format, status, initiated_by, batch_size,
                              created_at, started_at, finished_at, total_rows, succeeded_rows, failed_rows)
            VALUES (@id, @c, @type, @file, @format, @status, @by, 1000, @created, @started, @finished, 1000, @ok, @failed)
            """;
        var names = new[] { "id", "c", "type", "file", "format", "status", "by", "created", "started", "finished", "ok", "failed" };
        var p = names.ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = "@" + n }));
        insert.Prepare();
        var random = new Random(20251130);
        for (long id = 1; id <= jobs; id++)
        {
            var created = Created(id);
            var subject = Subjects[random.Next(Subjects.Length)];
            var export = id % 20 == 7;
            var roll = random.NextDouble();
            var status = roll < 0.82 ? Status.Completed : roll < 0.91 ? Status.RanWithErrors : roll < 0.96 ? Status.Failed : Status.Canceled;
            p["id"].Value = id;
            p["c"].Value = collectionId;
            p["type"].Value = export ? "Export" : "Import";
            p["file"].Value = export ? $"export-{subject}-{created:yyyyMMdd-HHmm}.csv" : $"{subject}-{created:yyyy-MM-dd}-{id % 1000:D3}.csv";
            p["format"].Value = export ? DBNull.Value : "Csv";
            p["status"].Value = status;
            p["by"].Value = Users[random.Next(Users.Length)];
            p["created"].Value = created;
            p["started"].Value = created.AddSeconds(2);
            p["finished"].Value = created.AddSeconds(20);
            p["ok"].Value = status == Status.Completed ? 1000 : 900;
            p["failed"].Value = status == Status.RanWithErrors ? 100 : 0;
            insert.ExecuteNonQuery();
        }
        transaction.Commit(); // no ANALYZE: the app never runs one, so the planner works without statistics here too
        return collectionId;
    }
}
