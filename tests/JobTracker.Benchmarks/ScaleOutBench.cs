using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Benchmarks;

/// <summary>
/// Throughput of 1, 2 and 3 nodes importing three collections at once on PostgreSQL. Each round
/// gets a fresh schema, three collections and three stored copies of a generated CSV of N rows
/// (--scale-rows, default 300,000); its nodes are real product processes (<see cref="BenchNode"/>)
/// sharing the schema and the storage folder, with ⌈3 / nodes⌉ workers each so that every round
/// can run the three jobs side by side and only the number of processes changes. The three jobs
/// are queued at once straight into the database (as ImportBench does: file stored, job row
/// QUEUED; the nodes find them by polling), and the round's time runs from that moment to the last
/// job's finished_at, all three COMPLETED with every row succeeded.
/// </summary>
/// <remarks>
/// What limits it on a 2-core machine: the cores, not the nodes. One node with three workers
/// already keeps both cores busy (each import has a thread reading and validating while another
/// writes, and the server's backends parse the COPY, maintain the key index, upsert and write WAL
/// on the same two cores), so a second or third process adds no CPU, only its own runtime, GC heaps
/// and connection pool competing for them; and every commit's WAL flush goes to the one disk. The
/// figure shows the cost of spreading the same work over processes, not the gain of more
/// machines: nodes on their own hosts, with a server that has cores to spare, is where it scales.
/// </remarks>
internal static class ScaleOutBench
{
    private const int Collections = 3;

    public static async Task RunAsync(BenchOptions options, BenchPostgres server)
    {
        var rows = options.ScaleRows;
        var csv = Path.Combine(options.Output, $"import-{rows}.csv");
        var size = ImportBench.GenerateCsv(csv, rows);
        Console.WriteLine($"\n== Scale-out: {Collections} collections × {rows:N0} rows ({size / 1e6:N0} MB CSV each) imported at once, by 1, 2 and 3 nodes");
        Console.WriteLine($"on {await server.DescribeAsync()}; {Environment.ProcessorCount} cores for the nodes, the server and this process");

        var rates = new Dictionary<int, double>();
        foreach (var nodes in new[] { 1, 2, 3 })
        {
            var (elapsed, jobTimes) = await RoundAsync(server, options.Output, csv, rows, nodes);
            rates[nodes] = Collections * (double)rows / elapsed.TotalSeconds;
            Console.WriteLine($"{nodes} node{(nodes == 1 ? " " : "s")} × {(Collections + nodes - 1) / nodes} worker{(nodes == 3 ? " " : "s")}:  {elapsed.TotalSeconds,7:N2} s  {rates[nodes],12:N0} rows/s  " +
                $"(each job {string.Join(" / ", jobTimes.Select(t => t.TotalSeconds.ToString("N1", System.Globalization.CultureInfo.InvariantCulture)))} s)");
        }
        Console.WriteLine($"scale-out 2 nodes: {rates[2] / rates[1]:0.00} × one node");
        Console.WriteLine($"scale-out 3 nodes: {rates[3] / rates[1]:0.00} × one node");
    }

    /// <summary>One round: fresh schema, nodes started, three imports queued at once, timed until all are COMPLETED.</summary>
    private static async Task<(TimeSpan Elapsed, List<TimeSpan> JobTimes)> RoundAsync(BenchPostgres server, string output, string csv, int rows, int nodeCount)
    {
        var schema = $"jobtracker_scale_{nodeCount}";
        var folder = Path.Combine(output, "scaleout");
        var storage = Path.Combine(folder, "files");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var nodes = new List<BenchNode>();
        try
        {
            // Migrated here, so that the nodes start on a ready schema and never race to migrate it.
            var database = await server.FreshDatabaseAsync(schema);
            await using var services = ImportBench.Engine(database, storage);
            var collections = await ImportBench.CreateCollectionsAsync(database, [.. Enumerable.Range(1, Collections).Select(i => $"Scale {i}")]);
            var stored = new List<StoredFile>();
            foreach (var _ in collections)
            {
                await using var upload = File.OpenRead(csv);
                stored.Add(await services.GetRequiredService<FileStore>().SaveAsync(upload, Path.GetFileName(csv), long.MaxValue, CancellationToken.None));
            }

            var workers = (Collections + nodeCount - 1) / nodeCount;
            for (var i = 1; i <= nodeCount; i++)
                nodes.Add(await BenchNode.StartAsync($"bench-node-{i}", Path.Combine(folder, $"node-{i}"), database.ConnectionString, storage, workers));

            var submission = services.GetRequiredService<ImportSubmission>();
            var submittedAt = DateTime.UtcNow;
            var jobIds = await Task.WhenAll(collections.Select((id, i) => submission.SubmitAsync(id, stored[i], FileFormat.Csv, "benchmark")));
            var jobs = await WaitForJobsAsync(database, jobIds, nodes);

            var wrong = jobs.Where(job => job.Status != Status.Completed || job.SucceededRows != rows).ToList();
            if (wrong.Count > 0)
                throw new InvalidOperationException($"scale-out with {nodeCount} node(s): " + string.Join("; ", wrong.Select(job =>
                    $"job {job.Id} {job.Status} {job.SucceededRows:N0}/{rows:N0} rows {job.StatusReason}")));
            return (jobs.Max(job => job.FinishedAt!.Value) - submittedAt,
                [.. jobs.Select(job => job.FinishedAt!.Value - job.StartedAt!.Value)]);
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
            await server.DropSchemaAsync(schema);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<JobRow>> WaitForJobsAsync(Database database, long[] jobIds, List<BenchNode> nodes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(60);
        await using var connection = await database.OpenAsync();
        while (true)
        {
            var jobs = (await connection.QueryAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = ANY(@jobIds) ORDER BY id", new { jobIds })).ToList();
            if (jobs.All(job => job.FinishedAt is not null)) return jobs;
            if (nodes.FirstOrDefault(node => node.HasExited) is { } gone)
                throw new InvalidOperationException($"a node exited during the scale-out benchmark:\n{gone.Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the scale-out jobs did not finish within an hour");
            await Task.Delay(200);
        }
    }
}
