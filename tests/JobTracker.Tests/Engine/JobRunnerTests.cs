using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

public sealed class JobRunnerTests : IDisposable
{
    private static readonly SchemaField[] CustomerSchema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("amount", FieldTypes.Decimal, false),
        new("active", FieldTypes.Boolean, false),
    ];

    private readonly EngineHost engine = new(batchSize: 1000);

    public void Dispose() => engine.Dispose();

    internal static string CustomersCsv(int rows, int firstId = 1, Func<int, string>? amount = null)
    {
        var csv = new StringBuilder("customerId,name,amount,active,city\r\n");
        for (var i = firstId; i < firstId + rows; i++)
            csv.Append($"C{i:D6},\"Customer {i}, Ltd\",{amount?.Invoke(i) ?? $"{i}.50"},{(i % 2 == 0 ? "true" : "false")},City {i % 7}\r\n");
        return csv.ToString();
    }

    [Fact]
    public async Task Csv_import_applies_every_row_in_batches_and_the_numbers_agree()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var jobId = await engine.SubmitAsync(collection, "customers.csv", CustomersCsv(2500));
        Assert.Equal(Status.Queued, engine.Job(jobId).Status);

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.Job(jobId);
        Assert.Equal(Status.Completed, job.Status);
        Assert.Equal(2500, job.TotalRows);
        Assert.Equal(2500, job.SucceededRows);
        Assert.NotNull(job.StartedAt);
        Assert.NotNull(job.FinishedAt);
        Assert.Null(job.LeaseOwner);

        var batches = engine.Batches(jobId);
        Assert.Equal([0, 1, 2], batches.Select(b => b.BatchNo));
        Assert.Equal([1000, 1000, 500], batches.Select(b => b.RowCount));
        Assert.All(batches, b => Assert.Equal(Status.Completed, b.Status));
        Assert.Equal(job.SucceededRows, batches.Sum(b => b.SucceededRows));

        var records = engine.Records(collection);
        Assert.Equal(2500, records.Count);
        Assert.Equal(2500, engine.RecordCount(collection));
        using var record = JsonDocument.Parse(records["C000042"].Data);
        Assert.Equal("Customer 42, Ltd", record.RootElement.GetProperty("name").GetString());
        Assert.Equal(42.50m, record.RootElement.GetProperty("amount").GetDecimal());
        Assert.True(record.RootElement.GetProperty("active").GetBoolean());
        Assert.Equal("City 0", record.RootElement.GetProperty("city").GetString());

        var audit = await engine.AuditRowsAsync(jobId);
        Assert.Equal(["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"], audit[0]);
        Assert.Equal(2500, audit.Count - 1);
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => i.ToString()), audit.Skip(1).Select(r => r[0]));
        Assert.Equal(job.SucceededRows, audit.Count(r => r[3] is AuditLog.Created or AuditLog.Updated));
        Assert.Equal("2", audit[2001][1]);
    }

    [Fact]
    public async Task A_key_seen_twice_is_created_by_the_first_row_and_updated_by_the_later_one_even_across_batches()
    {
        using var small = new EngineHost(batchSize: 2);
        var collection = small.CreateCollection(schema: CustomerSchema);
        var jobId = await small.SubmitAsync(collection, "dupes.csv",
            "customerId,name\nA,first\nB,bee\nA,second\nA,third\n");

        await small.Runner.RunUntilIdleAsync(CancellationToken.None);

        Assert.Equal(Status.Completed, small.Job(jobId).Status);
        var records = small.Records(collection);
        Assert.Equal(2, records.Count);
        Assert.Equal(2, small.RecordCount(collection));
        Assert.Contains("\"third\"", records["A"].Data);
        Assert.Equal(3, records["A"].Version);
        var audit = await small.AuditRowsAsync(jobId);
        Assert.Equal(
            ["1,0,A,created", "2,0,B,created", "3,1,A,updated", "4,1,A,updated"],
            audit.Skip(1).Select(r => string.Join(',', r[..4])));
    }

    [Fact]
    public async Task A_key_repeated_within_one_batch_is_created_once_and_its_version_counts_every_write()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var first = await engine.SubmitAsync(collection, "one.csv", "customerId,name\nA,first\nB,bee\nA,second\nA,third\n");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        var second = await engine.SubmitAsync(collection, "two.csv", "customerId,name\nB,again\nC,sea\nB,last\n");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var records = engine.Records(collection);
        Assert.Equal((3L, 3L, 1L), (records["A"].Version, records["B"].Version, records["C"].Version));
        Assert.Contains("\"third\"", records["A"].Data);
        Assert.Contains("\"last\"", records["B"].Data);
        Assert.Equal(3, engine.RecordCount(collection));
        Assert.Equal(["A,created", "B,created", "A,updated", "A,updated"], (await engine.AuditRowsAsync(first)).Skip(1).Select(r => $"{r[2]},{r[3]}"));
        Assert.Equal(["B,updated", "C,created", "B,updated"], (await engine.AuditRowsAsync(second)).Skip(1).Select(r => $"{r[2]},{r[3]}"));
    }

    [Fact]
    public async Task Rows_that_fail_validation_are_not_applied_and_the_audit_log_says_why()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var csv = "customerId,name,amount\nA,Ann,1.5\nB,,2\nC,Cee,abc\n,NoKey,3\nE,Eve,4\n";
        var jobId = await engine.SubmitAsync(collection, "mixed.csv", csv);

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.Job(jobId);
        Assert.Equal(Status.RanWithErrors, job.Status);
        Assert.Equal(5, job.TotalRows);
        Assert.Equal(2, job.SucceededRows);
        Assert.Equal(3, job.FailedRows);
        Assert.Contains("3 of 5 rows failed", job.StatusReason);
        Assert.Equal(Status.RanWithErrors, engine.Batches(jobId).Single().Status);
        Assert.Equal(["A", "E"], engine.Records(collection).Keys.Order());

        var failed = (await engine.AuditRowsAsync(jobId)).Skip(1).Where(r => r[3] == AuditLog.Failed).ToList();
        Assert.Equal(["2", "3", "4"], failed.Select(r => r[0]));
        Assert.Equal("name", failed[0][4]);
        Assert.Equal("amount", failed[1][4]);
        Assert.Equal("C", failed[1][2]);
        Assert.Equal("customerId", failed[2][4]);
        Assert.All(failed, r => Assert.False(string.IsNullOrWhiteSpace(r[5])));
    }

    [Fact]
    public async Task A_job_in_which_every_row_fails_is_FAILED()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var jobId = await engine.SubmitAsync(collection, "bad.csv", "customerId,name,amount\nA,Ann,x\nB,Bee,y\n");

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.Job(jobId);
        Assert.Equal(Status.Failed, job.Status);
        Assert.Contains("Every row failed", job.StatusReason);
        Assert.Empty(engine.Records(collection));
    }

    [Theory]
    [InlineData("header.csv", "customerId,name\r\n", "no data rows")]
    [InlineData("nokey.csv", "id,name\n1,Ann\n", "customerId")]
    [InlineData("quote.csv", "customerId,name\nA,Ann\nB,\"Bee\nC,Cee\n", "Line 3")]
    [InlineData("broken.json", "[{\"customerId\":\"A\",\"name\":\"Ann\"},\n{\"customerId\":\"B\",", "line 2")]
    public async Task An_unreadable_file_fails_its_own_job_with_a_reason_and_touches_nothing_else(string fileName, string content, string reasonMentions)
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var good = await engine.SubmitAsync(collection, "good.csv", CustomersCsv(3));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        var before = engine.Records(collection);

        var bad = await engine.SubmitAsync(collection, fileName, content);
        var after = await engine.SubmitAsync(collection, "more.csv", CustomersCsv(2, firstId: 100));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.Job(bad);
        Assert.Equal(Status.Failed, job.Status);
        Assert.Contains(reasonMentions, job.StatusReason, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(job.FinishedAt);
        Assert.Empty(engine.Batches(bad));
        engine.AssertStatus(Status.Completed, good);
        engine.AssertStatus(Status.Completed, after);
        var records = engine.Records(collection);
        Assert.Equal(before.Count + 2, records.Count);
        Assert.All(before, r => Assert.Equal(r.Value, records[r.Key]));
    }

    [Fact]
    public async Task An_empty_upload_is_refused_before_it_becomes_a_job()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var refused = await Assert.ThrowsAsync<UploadRejectedException>(() => engine.SubmitAsync(collection, "empty.csv", ""));
        Assert.Contains("empty", refused.Message);
        using var connection = engine.Database.Open();
        Assert.Equal(0, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM jobs"));
        Assert.Empty(Directory.EnumerateFiles(engine.Folder.StoragePath));
    }

    [Fact]
    public async Task Binary_and_non_UTF8_files_fail_with_a_reason()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var binary = await engine.SubmitAsync(collection, "image.csv", new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 });
        var latin1 = await engine.SubmitAsync(collection, "latin1.csv", Encoding.Latin1.GetBytes("customerId,name\nA,Zoë\n"));

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        engine.AssertStatus(Status.Failed, binary);
        Assert.Contains("binary", engine.Job(binary).StatusReason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Status.Failed, engine.Job(latin1).Status);
        Assert.Contains("UTF-8", engine.Job(latin1).StatusReason);
        Assert.Empty(engine.Records(collection));
    }

    [Fact]
    public async Task Json_and_json_lines_imports_keep_json_types_of_fields_outside_the_schema()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var json = await engine.SubmitAsync(collection, "c.json",
            """[{"customerId":"J1","name":"Jay","amount":12.5,"tags":["a","b"],"score":7}, {"customerId":"J2","name":"Kay","extra":null}]""");
        var lines = await engine.SubmitAsync(collection, "c.jsonl",
            "{\"customerId\":\"L1\",\"name\":\"Lee\",\"nested\":{\"x\":1}}\n\n{\"customerId\":\"L2\",\"name\":\"Max\",\"active\":true}\n");

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        engine.AssertStatus(Status.Completed, json);
        engine.AssertStatus(Status.Completed, lines);
        var records = engine.Records(collection);
        using var j1 = JsonDocument.Parse(records["J1"].Data);
        Assert.Equal(JsonValueKind.Array, j1.RootElement.GetProperty("tags").ValueKind);
        Assert.Equal(7, j1.RootElement.GetProperty("score").GetInt32());
        using var l1 = JsonDocument.Parse(records["L1"].Data);
        Assert.Equal(1, l1.RootElement.GetProperty("nested").GetProperty("x").GetInt32());
        Assert.Equal(4, records.Count);
    }

    [Fact]
    public async Task A_collection_without_a_key_field_creates_one_record_per_row()
    {
        var collection = engine.CreateCollection("Events", keyField: null);
        var jobId = await engine.SubmitAsync(collection, "events.csv", "what,when\nclick,1\nclick,1\nview,2\n");

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        Assert.Equal(Status.Completed, engine.Job(jobId).Status);
        var records = engine.Records(collection);
        Assert.Equal(3, records.Count);
        var audit = (await engine.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.All(audit, r => Assert.Equal(AuditLog.Created, r[3]));
        Assert.Equal(records.Keys.Order(), audit.Select(r => r[2]).Order());
    }

    [Fact]
    public async Task Jobs_of_one_collection_run_one_at_a_time_in_order_and_other_collections_run_beside_them()
    {
        var customers = engine.CreateCollection("Customers", schema: CustomerSchema);
        var orders = engine.CreateCollection("Orders", "orderId");
        var first = await engine.SubmitAsync(customers, "a.csv", CustomersCsv(5));
        var second = await engine.SubmitAsync(customers, "b.csv", CustomersCsv(5));
        var other = await engine.SubmitAsync(orders, "o.csv", "orderId\nO1\n");

        Assert.Equal(first, await engine.Runner.ClaimNextJobAsync());
        Assert.Equal(other, await engine.Runner.ClaimNextJobAsync());
        Assert.Null(await engine.Runner.ClaimNextJobAsync());
        engine.AssertStatus(Status.Queued, second);

        await engine.Runner.RunJobAsync(first, CancellationToken.None);
        Assert.Equal(second, await engine.Runner.ClaimNextJobAsync());
        await engine.Runner.RunJobAsync(second, CancellationToken.None);
        await engine.Runner.RunJobAsync(other, CancellationToken.None);
        Assert.All(new[] { first, second, other }, id => engine.AssertStatus(Status.Completed, id));
        Assert.True(engine.Job(second).StartedAt >= engine.Job(first).FinishedAt);
    }

    [Fact]
    public async Task Stopping_a_queued_job_cancels_it_before_it_starts()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var first = await engine.SubmitAsync(collection, "a.csv", CustomersCsv(5));
        var second = await engine.SubmitAsync(collection, "b.csv", CustomersCsv(5, firstId: 50));

        Assert.True(await engine.Stopper.StopAsync(second, "admin"));
        Assert.False(await engine.Stopper.StopAsync(second, "admin"));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        engine.AssertStatus(Status.Completed, first);
        engine.AssertStatus(Status.Canceled, second);
        Assert.Equal("Stopped by admin.", engine.Job(second).StatusReason);
        Assert.Equal(5, engine.Records(collection).Count);
    }

    [Fact]
    public async Task Stop_Job_rolls_back_the_running_batch_within_seconds_and_keeps_committed_batches()
    {
        // Eight large batches: after the first commits, seven remain, so the stop lands mid-job.
        const int rows = 400_000;
        using var big = new EngineHost(batchSize: 50_000);
        var collection = big.CreateCollection(schema: CustomerSchema);
        var jobId = await big.SubmitAsync(collection, "big.csv", CustomersCsv(rows));
        Assert.Equal(jobId, await big.Runner.ClaimNextJobAsync());

        var run = Task.Run(() => big.Runner.RunJobAsync(jobId, CancellationToken.None));
        await Until(() => big.Job(jobId).SucceededRows > 0, TimeSpan.FromSeconds(60));
        var stopping = Stopwatch.StartNew();
        Assert.True(await big.Stopper.StopAsync(jobId, "admin"));
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        stopping.Stop();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stopping.Elapsed}");
        var job = big.Job(jobId);
        Assert.Equal(Status.Canceled, job.Status);
        var batches = big.Batches(jobId);
        var committed = batches.Where(b => b.Status == Status.Completed).ToList();
        Assert.NotEmpty(committed);
        Assert.Contains(batches, b => b.Status == Status.Canceled);
        Assert.All(batches, b => Assert.Contains(b.Status, new[] { Status.Completed, Status.Canceled }));
        Assert.Equal(committed.Sum(b => b.RowCount), job.SucceededRows);
        Assert.Equal(job.SucceededRows, big.Records(collection).Count);
        Assert.Equal(job.SucceededRows, big.RecordCount(collection));

        var audit = (await big.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal(rows, audit.Count);
        Assert.Equal(job.SucceededRows, audit.Count(r => r[3] == AuditLog.Created));
        Assert.Equal(rows - job.SucceededRows, audit.Count(r => r[3] == AuditLog.NotApplied));
    }

    [Fact]
    public async Task A_worker_that_lost_its_lease_cannot_commit_and_the_new_owner_applies_each_row_once()
    {
        using var other = new EngineHost(batchSize: 10, folder: engine.Folder);
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var jobId = await engine.SubmitAsync(collection, "c.csv", CustomersCsv(30));

        Assert.Equal(jobId, await engine.Runner.ClaimNextJobAsync());
        Assert.Null(await other.Runner.ClaimNextJobAsync());
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE jobs SET lease_until = @past", new { past = DateTime.UtcNow.AddMinutes(-1) });
        Assert.Equal(jobId, await other.Runner.ClaimNextJobAsync());

        await engine.Runner.RunJobAsync(jobId, CancellationToken.None);
        Assert.Equal(0, engine.Job(jobId).SucceededRows);
        Assert.Empty(engine.Records(collection));

        await other.Runner.RunJobAsync(jobId, CancellationToken.None);
        Assert.Equal(Status.Completed, engine.Job(jobId).Status);
        Assert.All(engine.Records(collection).Values, r => Assert.Equal(1, r.Version));
        Assert.Equal(30, engine.Records(collection).Count);
    }

    [Fact]
    public async Task Audit_log_cells_cannot_become_spreadsheet_formulas()
    {
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var jobId = await engine.SubmitAsync(collection, "evil.csv", "customerId,name,amount\n=HYPERLINK(\"x\"),Ann,1\n@SUM(A1),Bee,oops\n");

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var audit = (await engine.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal("'=HYPERLINK(\"x\")", audit[0][2]);
        Assert.Equal("'@SUM(A1)", audit[1][2]);
        Assert.DoesNotContain(audit.SelectMany(r => r), cell => cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r');
    }

    internal static async Task Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"condition not met within {timeout}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_restarted_node_takes_back_only_its_own_leases_matched_exactly()
    {
        // The engine's node id is "test": its leases are "test/<process>".
        var collection = engine.CreateCollection(schema: CustomerSchema);
        var leases = new[] { "test/earlier-run", "tester/other-node", "TEST/other-node", "test_/other-node" };
        var jobs = new List<long>();
        foreach (var _ in leases) jobs.Add(await engine.SubmitAsync(collection, "customers.csv", CustomersCsv(1)));
        using (var connection = engine.Database.Open())
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                connection.Execute("UPDATE jobs SET status = @InProgress, lease_owner = @owner, lease_until = @until WHERE id = @id",
                    new { InProgress = Status.InProgress, owner = leases[i], until = DateTime.UtcNow.AddHours(1), id = jobs[i] });
            }
        }

        await engine.Runner.ReleaseLeasesOfThisNodeAsync();

        Assert.Equal([null, "tester/other-node", "TEST/other-node", "test_/other-node"], jobs.Select(id => engine.Job(id).LeaseOwner));
        Assert.Null(engine.Job(jobs[0]).LeaseUntil);
    }
}
