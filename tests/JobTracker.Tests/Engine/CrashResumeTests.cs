using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The product as a real child process on a real SQLite file: killed mid-import and started
/// again, and two processes sharing one database. Every row must be applied exactly once.
/// </summary>
public sealed class CrashResumeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly SchemaField[] Schema = [new("customerId", FieldTypes.String, true), new("amount", FieldTypes.Decimal, false)];
    private readonly EngineHost engine = new(batchSize: 100);

    public void Dispose() => engine.Dispose();

    [Theory]
    [InlineData("same node restarts", true)]
    [InlineData("another node takes over once the lease expires", false)]
    public async Task A_process_killed_mid_import_loses_nothing_and_applies_every_row_exactly_once(string _, bool sameNode)
    {
        // Enough rows that the import is still running when the kill lands, even when this process is slow to see
        // the first batch (CI's two cores are busy with other tests): 100,000 rows were imported whole before the
        // kill in one CI run, once the import got faster.
        const int rows = 300_000;
        var collection = engine.CreateCollection(schema: Schema);
        var jobId = await engine.SubmitAsync(collection, "big.csv", JobRunnerTests.CustomersCsv(rows));

        using (var first = ProductProcess.Start(engine.Folder, "node-a", lease: TimeSpan.FromSeconds(3)))
        {
            await Until(() => engine.Job(jobId).SucceededRows > 0, first);
            first.Kill();
        }
        var killed = engine.Job(jobId);
        Assert.Null(killed.FinishedAt);
        Assert.Equal(Status.InProgress, killed.Status);
        Assert.StartsWith("node-a/", killed.LeaseOwner);
        Assert.InRange(killed.SucceededRows, 1, rows - 1);

        using (var second = ProductProcess.Start(engine.Folder, sameNode ? "node-a" : "node-b"))
        {
            await Until(() => engine.Job(jobId).FinishedAt is not null, second);
        }

        var job = engine.Job(jobId);
        Assert.Equal(Status.Completed, job.Status);
        Assert.Equal(rows, job.SucceededRows);
        var records = engine.Records(collection);
        Assert.Equal(rows, records.Count);
        Assert.Equal(rows, engine.RecordCount(collection));
        Assert.All(records.Values, r => Assert.Equal(1, r.Version));
        var audit = (await engine.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, rows).Select(i => i.ToString()), audit.Select(r => r[0]));
        Assert.All(audit, r => Assert.Equal(AuditLog.Created, r[3]));
        Assert.Equal(rows, engine.Batches(jobId).Sum(b => b.SucceededRows));
    }

    [Fact]
    public async Task Two_processes_on_one_database_file_never_process_the_same_batch()
    {
        const int rows = 20_000;
        var csv = JobRunnerTests.CustomersCsv(rows);
        var collections = Enumerable.Range(1, 3).Select(i => engine.CreateCollection($"C{i}", schema: Schema)).ToList();
        var jobs = new List<(long Collection, long Job)>();
        foreach (var collection in collections)
        {
            // The same file twice: the first job creates every record, the second updates each once.
            jobs.Add((collection, await engine.SubmitAsync(collection, "a.csv", csv)));
            jobs.Add((collection, await engine.SubmitAsync(collection, "b.csv", csv)));
        }

        using (var one = ProductProcess.Start(engine.Folder, "node-1"))
        using (var two = ProductProcess.Start(engine.Folder, "node-2"))
        {
            await Until(() => jobs.All(j => engine.Job(j.Job).FinishedAt is not null), one, two);
        }

        foreach (var collection in collections)
        {
            var records = engine.Records(collection);
            Assert.Equal(rows, records.Count);
            Assert.Equal(rows, engine.RecordCount(collection));
            Assert.All(records.Values, r => Assert.Equal(2, r.Version));
            var (first, second) = (engine.Job(jobs.First(j => j.Collection == collection).Job), engine.Job(jobs.Last(j => j.Collection == collection).Job));
            Assert.True(second.StartedAt >= first.FinishedAt, "jobs of one collection overlapped");
        }
        foreach (var (_, jobId) in jobs)
        {
            var job = engine.Job(jobId);
            Assert.Equal(Status.Completed, job.Status);
            Assert.Equal(rows, job.SucceededRows);
            Assert.Equal(rows / 100, engine.Batches(jobId).Count(b => b.Status == Status.Completed));
        }
        using var connection = engine.Database.Open();
        Assert.Equal(jobs.Count * rows / 100, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_entries"));
    }

    private static async Task Until(Func<bool> condition, params ProductProcess[] processes)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            foreach (var process in processes)
                if (process.HasExited) throw new InvalidOperationException("The product exited:\n" + process.Output);
            if (clock.Elapsed > Patience)
                throw new TimeoutException("Waited too long. Product output:\n" + string.Join("\n---\n", processes.Select(p => p.Output)));
            await Task.Delay(5);
        }
    }
}
