using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// Three real product processes on one database (the suite's provider), JobTracker:Storage = Database and
/// each with a storage folder of its own: imports uploaded to different nodes, an export and a due
/// schedule, one node killed mid-job. Every batch must still be applied exactly once.
/// </summary>
public sealed class MultiNodeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private static readonly SchemaField[] Schema = [new("customerId", FieldTypes.String, true), new("amount", FieldTypes.Decimal, false)];

    // 300,000 rows a collection on every provider: about 30 s on SQLite (three processes on one file), about a minute on PostgreSQL here.
    private const int Rows = 300_000;
    private const int Prefilled = 20_000;
    private const int ExportPerFile = 1_000;
    private const int ScheduledPerFile = 5_000;

    private readonly EngineHost engine = new(batchSize: 1000);
    private readonly List<ProductProcess> nodes = [];

    public void Dispose()
    {
        foreach (var node in nodes) node.Dispose();
        engine.Dispose();
    }

    [Fact]
    public async Task Three_nodes_on_one_database_one_killed_mid_job_apply_every_batch_exactly_once()
    {
        var clock = Stopwatch.StartNew();
        var imported = Enumerable.Range(1, 3).Select(i => engine.CreateCollection($"Imported {i}", schema: Schema)).ToList();
        var exported = engine.CreateCollection("Exported", schema: Schema);
        var prefill = await engine.SubmitAsync(exported, "prefill.csv", JobRunnerTests.CustomersCsv(Prefilled));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, prefill);

        foreach (var nodeId in new[] { "node-1", "node-2", "node-3" })
        {
            var storagePath = engine.Folder.File(nodeId + "-files");
            nodes.Add(ProductProcess.Start(engine.Folder, nodeId, lease: TimeSpan.FromSeconds(3), storage: StorageKind.Database, storagePath: storagePath));
        }
        foreach (var node in nodes) await node.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine($"MultiNodeTests: pre-filled and nodes up after {clock.Elapsed.TotalSeconds:0} s");

        // All at once: each import uploaded to another node, an export of the pre-filled collection, and a schedule due in 3 s.
        var csv = Encoding.UTF8.GetBytes(JobRunnerTests.CustomersCsv(Rows));
        var uploads = imported.Select((collection, i) => UploadAsync(nodes[i], collection, csv)).ToList();
        var exportId = (await engine.Exports.SubmitAsync(exported, "full", ExportPerFile, "tester"))!.Value;
        var fireAt = DateTime.UtcNow.AddSeconds(3);
        fireAt = new DateTime(fireAt.Ticks - fireAt.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var scheduleId = ScheduleRows.Insert(engine.Database, exported, "Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", ScheduledPerFile, nextFireAt: fireAt);
        var importIds = (await Task.WhenAll(uploads)).ToList();

        // Kill the node that holds an import once some of its batches have committed, with most still to run.
        Console.WriteLine($"MultiNodeTests: nodes up and every job submitted after {clock.Elapsed.TotalSeconds:0} s");
        var (victimJob, victimOwner) = await UntilFound(() => HeldImport(importIds));
        var victim = nodes.Single(n => victimOwner.StartsWith(n.NodeId + "/", StringComparison.Ordinal));
        victim.Kill();
        var killed = engine.Job(victimJob);
        Assert.Equal(Status.InProgress, killed.Status);
        Assert.Equal(victimOwner, killed.LeaseOwner);
        Assert.InRange(killed.SucceededRows, 1, Rows - 1);
        var survivors = nodes.Where(n => n != victim).ToArray();
        Console.WriteLine($"MultiNodeTests: {victim.NodeId} killed holding job {victimJob} after {clock.Elapsed.TotalSeconds:0} s");

        var jobIds = importIds.Append(exportId).ToList();

        await Until(() => ScheduleRows.Jobs(engine.Database, scheduleId).Count > 0
            && ScheduleRows.Jobs(engine.Database, scheduleId).Concat(jobIds.Select(engine.Job)).All(j => j.FinishedAt is not null), survivors);

        foreach (var (collection, jobId) in imported.Zip(importIds)) AssertImportedOnce(collection, jobId);
        var scheduled = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        Assert.Equal(fireAt, scheduled.ScheduledFor);
        Assert.True(ScheduleRows.NextFireAt(engine.Database, scheduleId) > fireAt, "next_fire_at did not move past the fire");

        using var admin = await SignInAsync(survivors[0]);
        await AssertExportedOnceAsync(admin, exported, exportId, "full", ExportPerFile);
        await AssertExportedOnceAsync(admin, exported, scheduled.Id, "nightly-" + fireAt.ToString("yyyyMMdd"), ScheduledPerFile);

        // A cookie issued by one node is accepted by another.
        using var onOther = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = survivors[1].BaseAddress };
        onOther.DefaultRequestHeaders.Add("Cookie", admin.Cookies.GetCookieHeader(survivors[0].BaseAddress));
        using var home = await onOther.GetAsync($"/Collections/{imported[0]}/Jobs");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("admin", Html.Text(await home.Content.ReadAsStringAsync(), "signed-in-user"));
        Assert.Empty(nodes.SelectMany(n => Directory.Exists(n.StoragePath) ? Directory.GetFiles(n.StoragePath, "*", SearchOption.AllDirectories) : []));
        Console.WriteLine($"MultiNodeTests on {TestProvider.Name}: {3 * Rows:N0} rows imported by three nodes, one killed, in {clock.Elapsed.TotalSeconds:0} s");
    }

    private void AssertImportedOnce(long collection, long jobId)
    {
        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal(Rows, job.TotalRows);
        Assert.Equal(Rows, job.SucceededRows);
        Assert.Equal(0, job.FailedRows);
        var batches = engine.Batches(jobId);
        Assert.Equal(Rows / 1000, batches.Count);
        Assert.All(batches, b => Assert.Equal(Status.Completed, b.Status));
        Assert.Equal(Rows, batches.Sum(b => b.SucceededRows));
        Assert.Equal(Rows, engine.RecordCount(collection));
        using var connection = engine.Database.Open();
        var records = connection.QuerySingle<(long Count, long MinVersion, long MaxVersion)>(
            "SELECT COUNT(*), MIN(version), MAX(version) FROM records WHERE collection_id = @collection", new { collection });
        Assert.Equal((Rows, 1L, 1L), records);
        // One audit row per committed batch: each batch committed exactly once.
        var audited = connection.Query<long>("SELECT batch_no FROM audit_entries WHERE job_id = @jobId ORDER BY batch_no", new { jobId });
        Assert.Equal(batches.Select(b => (long)b.BatchNo), audited);
    }

    private async Task AssertExportedOnceAsync(CookieClient admin, long collection, long jobId, string exportName, int perFile)
    {
        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal(exportName, job.ExportName);
        Assert.Equal(Prefilled, job.SucceededRows);
        var batches = engine.Batches(jobId);
        Assert.Equal(Prefilled / perFile, batches.Count);
        Assert.All(batches, b => Assert.NotNull(b.FileId));
        using var archive = await admin.GetAsync($"/Jobs/{jobId}/Download");
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await archive.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(batches.Select(b => $"{exportName}-{b.BatchNo}.json"), zip.Entries.Select(e => e.FullName));
        var keys = new List<string>();
        foreach (var entry in zip.Entries)
        {
            await using var content = entry.Open();
            var records = (await JsonNode.ParseAsync(content))!.AsArray();
            Assert.Equal(perFile, records.Count);
            keys.AddRange(records.Select(r => r!["customerId"]!.GetValue<string>()));
        }
        Assert.Equal(engine.Records(collection).Keys.Order(StringComparer.Ordinal), keys);
    }

    /// <summary>An import in progress whose worker has committed some batches and has most still to run: (job, lease owner).</summary>
    private (long Job, string Owner)? HeldImport(List<long> importIds)
    {
        using var connection = engine.Database.Open();
        var held = connection.Query<(long Id, string Owner)>(
            $"SELECT id, lease_owner FROM jobs WHERE id IN ({string.Join(", ", importIds)}) AND status = @status AND lease_owner IS NOT NULL " +
            "AND succeeded_rows > 0 AND succeeded_rows < total_rows / 2 ORDER BY id",
            new { status = Status.InProgress }).ToList();
        return held.Count > 0 ? held[0] : null;
    }

    /// <summary>A client that keeps its cookies and never follows redirects, signed in as the admin on <paramref name="node"/>.</summary>
    private static async Task<CookieClient> SignInAsync(ProductProcess node)
    {
        var client = new CookieClient(node.BaseAddress);
        using var response = await JobTrackerApp.PostSignInAsync(client, "admin", ProductProcess.AdminPassword);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in on {node.NodeId} answered {(int)response.StatusCode}");
        return client;
    }

    private async Task<long> UploadAsync(ProductProcess node, long collection, byte[] content)
    {
        using var client = await SignInAsync(node);
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collection}/Import");
        using var response = await JobTrackerApp.PostUploadAsync(client, collection, "customers.csv", content, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("HX-Redirect"),
            $"upload to {node.NodeId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var connection = engine.Database.Open();
        return connection.QuerySingle<long>("SELECT id FROM jobs WHERE collection_id = @collection", new { collection });
    }

    private async Task<T> UntilFound<T>(Func<T?> find) where T : struct
    {
        T? found = null;
        await Until(() => (found = find()) is not null, [.. nodes]);
        return found!.Value;
    }

    private static async Task Until(Func<bool> condition, params ProductProcess[] processes)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            foreach (var process in processes)
                if (process.HasExited) throw new InvalidOperationException($"{process.NodeId} exited:\n" + process.Output);
            if (clock.Elapsed > Patience)
                throw new TimeoutException("Waited too long. Product output:\n" + string.Join("\n---\n", processes.Select(p => p.Output)));
            await Task.Delay(50);
        }
    }

    private sealed class CookieClient : HttpClient
    {
        public CookieClient(Uri baseAddress) : this(baseAddress, new CookieContainer()) { }

        private CookieClient(Uri baseAddress, CookieContainer cookies)
            : base(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies })
        {
            Cookies = cookies;
            BaseAddress = baseAddress;
            Timeout = TimeSpan.FromMinutes(2);
        }

        public CookieContainer Cookies { get; }
    }
}
