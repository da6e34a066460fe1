using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>Export naming and snapshot bounds: pure logic.</summary>
public sealed class ExportRulesTests
{
    [Theory]
    [InlineData("nightly", 0, "nightly-0.json")]
    [InlineData("nightly", 12, "nightly-12.json")]
    [InlineData("customers.2025-01-31_full", 3, "customers.2025-01-31_full-3.json")]
    public void A_batch_file_is_named_export_name_dash_batch_id_dot_json(string exportName, int batchNo, string expected) =>
        Assert.Equal(expected, ExportWork.BatchFileName(exportName, batchNo));

    [Theory]
    [InlineData("nightly")]
    [InlineData("customers-2025.01.31")]
    [InlineData("A_b-C.9")]
    [InlineData("...a")]
    public void Letters_digits_dashes_underscores_and_dots_make_a_valid_export_name(string exportName) =>
        Assert.Null(ExportSubmission.ValidateName(exportName));

    [Theory]
    [InlineData(null, "Give the export a name")]
    [InlineData("", "Give the export a name")]
    [InlineData("   ", "Give the export a name")]
    [InlineData("night ly", "can only use letters, digits")]
    [InlineData("../etc/passwd", "can only use letters, digits")]
    [InlineData("a\\b", "can only use letters, digits")]
    [InlineData("März", "can only use letters, digits")]
    [InlineData("x*y", "can only use letters, digits")]
    [InlineData("name\n", "can only use letters, digits")]
    [InlineData(".", "cannot be '.' or '..'")]
    [InlineData("..", "cannot be '.' or '..'")]
    public void Any_other_export_name_gets_a_clear_message(string? exportName, string messageSays)
    {
        var message = ExportSubmission.ValidateName(exportName);
        Assert.NotNull(message);
        Assert.Contains(messageSays, message);
    }

    [Fact]
    public void An_export_name_has_at_most_100_characters()
    {
        Assert.Null(ExportSubmission.ValidateName(new string('a', 100)));
        Assert.Contains("at most 100", ExportSubmission.ValidateName(new string('a', 101)));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(10_000, true)]
    [InlineData(1_000_000, true)]
    [InlineData(0, false)]
    [InlineData(-5, false)]
    [InlineData(1_000_001, false)]
    public void Records_per_file_lie_between_one_and_a_million(int recordsPerFile, bool valid) =>
        Assert.Equal(valid, ExportSubmission.ValidateRecordsPerFile(recordsPerFile) is null);

    [Fact]
    public void The_snapshot_cuts_keys_into_batches_with_their_first_and_last_key_and_position()
    {
        var keys = Enumerable.Range(1, 25).Select(i => $"K{i:D2}");

        var batches = Plan(keys, 10);

        Assert.Equal(
            [
                new ExportBatchBounds(0, 1, 10, "K01", "K10"),
                new ExportBatchBounds(1, 11, 10, "K11", "K20"),
                new ExportBatchBounds(2, 21, 5, "K21", "K25"),
            ],
            batches);
    }

    [Fact]
    public void A_snapshot_that_fills_its_last_batch_exactly_has_no_empty_batch_after_it()
    {
        var batches = Plan(["a", "b", "c", "d"], 2);
        Assert.Equal([new ExportBatchBounds(0, 1, 2, "a", "b"), new ExportBatchBounds(1, 3, 2, "c", "d")], batches);
    }

    [Fact]
    public void One_record_per_file_and_more_per_file_than_records_both_cover_every_key_once()
    {
        Assert.Equal(
            [new ExportBatchBounds(0, 1, 1, "a", "a"), new ExportBatchBounds(1, 2, 1, "b", "b"), new ExportBatchBounds(2, 3, 1, "c", "c")],
            Plan(["a", "b", "c"], 1));
        Assert.Equal([new ExportBatchBounds(0, 1, 3, "a", "c")], Plan(["a", "b", "c"], 10_000));
    }

    [Fact]
    public void An_empty_collection_has_one_empty_batch()
    {
        Assert.Equal([new ExportBatchBounds(0, 1, 0, null, null)], Plan([], 10_000));
    }

    [Fact]
    public void The_snapshot_asks_only_for_the_bounds_of_each_batch()
    {
        var keys = Enumerable.Range(1, 100_000).Select(i => $"K{i:D6}").ToList();
        var asked = 0;

        var batches = ExportWork.PlanBatches(10_000, (after, skip) => { asked++; return KeyAfter(keys, after, skip); }, first => Tail(keys, first)).ToList();

        Assert.Equal(10, batches.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(n => ($"K{n * 10_000 + 1:D6}", $"K{n * 10_000 + 10_000:D6}")), batches.Select(b => (b.FirstKey!, b.LastKey!)));
        Assert.Equal(21, asked); // first and last key of each batch, then "no key after the last one"
    }

    /// <summary>The snapshot over keys held in a sorted list, answering as the SQL in ExportWork does.</summary>
    private static List<ExportBatchBounds> Plan(IEnumerable<string> keys, int recordsPerFile)
    {
        var sorted = keys.Order(StringComparer.Ordinal).ToList();
        return ExportWork.PlanBatches(recordsPerFile, (after, skip) => KeyAfter(sorted, after, skip), first => Tail(sorted, first)).ToList();
    }

    private static string? KeyAfter(List<string> sorted, string? after, int skip)
    {
        var start = after is null ? 0 : sorted.Count(k => string.CompareOrdinal(k, after) <= 0);
        return start + skip < sorted.Count ? sorted[start + skip] : null;
    }

    private static (int, string) Tail(List<string> sorted, string first) =>
        (sorted.Count(k => string.CompareOrdinal(k, first) >= 0), sorted[^1]);
}

/// <summary>
/// Export jobs through the real engine on a real SQLite file: the snapshot, the batch files on disk,
/// their commit, Stop Job, a lost lease, and the turn exports take with imports of the same collection.
/// </summary>
public sealed class ExportTests : IDisposable
{
    private static readonly SchemaField[] Schema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("amount", FieldTypes.Decimal, false),
        new("active", FieldTypes.Boolean, false),
    ];

    private readonly EngineHost engine = new(batchSize: 5000);

    public void Dispose() => engine.Dispose();

    [Fact]
    public async Task Twenty_five_thousand_records_at_ten_thousand_a_file_make_three_valid_json_files_of_10000_10000_and_5000()
    {
        var collection = engine.CreateCollection(schema: Schema);
        var import = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(25_000));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, import);

        var jobId = await SubmitExportAsync(collection, "customers", 10_000);
        Assert.Equal(Status.Queued, engine.Job(jobId).Status);
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal(JobTypes.Export, job.JobType);
        Assert.Equal("customers", job.FileName);
        Assert.Equal(25_000, job.TotalRows);
        Assert.Equal(25_000, job.SucceededRows);
        Assert.Equal(0, job.FailedRows);
        Assert.Equal(3, job.BatchCount);
        Assert.Null(job.StatusReason);
        Assert.Null(job.LeaseOwner);

        var batches = engine.Batches(jobId);
        Assert.Equal(
            [(0, 1L, 10_000, "C000001", "C010000"), (1, 10_001L, 10_000, "C010001", "C020000"), (2, 20_001L, 5_000, "C020001", "C025000")],
            batches.Select(b => (b.BatchNo, b.FirstRow, b.RowCount, b.FirstKey!, b.LastKey!)));
        Assert.All(batches, b =>
        {
            Assert.Equal(Status.Completed, b.Status);
            Assert.Equal(b.RowCount, b.SucceededRows);
            Assert.NotNull(b.FileId);
            Assert.NotNull(b.StartedAt);
            Assert.True(b.FinishedAt >= b.StartedAt);
        });

        var files = await ExportFilesAsync(jobId);
        Assert.Equal(["customers-0.json", "customers-1.json", "customers-2.json"], files.Select(f => f.Name));
        Assert.Equal([10_000, 10_000, 5_000], files.Select(f => f.Records.Count));
        // On disk: exactly the three files, nothing half-written left beside them.
        Assert.Equal(["customers-0.json", "customers-1.json", "customers-2.json"],
            Directory.GetFiles(engine.Files.ExportFolder(jobId)).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // Every record exactly once, in key order, and each as it is stored.
        var exported = files.SelectMany(f => f.Records).ToList();
        var keys = exported.Select(r => r["customerId"]!.GetValue<string>()).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        var stored = engine.Records(collection);
        Assert.Equal(stored.Keys.Order(StringComparer.Ordinal), keys);
        Assert.All(exported, r => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored[r["customerId"]!.GetValue<string>()].Data), r)));
    }

    [Fact]
    public async Task Import_a_file_then_export_it_and_the_values_are_equal_numbers_stay_numbers_strings_strings_nulls_null()
    {
        var collection = engine.CreateCollection("Typed", "id",
            new("id", FieldTypes.String, true),
            new("count", FieldTypes.Integer, false),
            new("price", FieldTypes.Decimal, false),
            new("vip", FieldTypes.Boolean, false),
            new("note", FieldTypes.String, false));
        var source = new JsonArray();
        for (var i = 1; i <= 1_234; i++)
        {
            source.Add(new JsonObject
            {
                ["id"] = $"T{i:D5}",
                ["count"] = i % 10 == 0 ? null : i * 7,
                ["price"] = i % 3 == 0 ? 12.50m : i + 0.25m,
                ["vip"] = i % 2 == 0,
                ["note"] = i % 4 == 0 ? null : $"line \"{i}\"\nwith ünïcødé, a tab\tand 123",
                ["digits"] = "00042",
                ["nested"] = new JsonObject { ["list"] = new JsonArray(1, "two", null, false), ["empty"] = new JsonObject() },
            });
        }
        var import = await engine.SubmitAsync(collection, "typed.json", source.ToJsonString());
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, import);

        var jobId = await SubmitExportAsync(collection, "typed", 500);
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, jobId);

        var exported = (await ExportFilesAsync(jobId)).SelectMany(f => f.Records).ToList();
        Assert.Equal(source.Count, exported.Count);
        for (var i = 0; i < source.Count; i++)
            Assert.True(JsonNode.DeepEquals(source[i], exported[i]), $"record {i}: {source[i]!.ToJsonString()} became {exported[i].ToJsonString()}");

        var tenth = exported[9];
        Assert.Equal(JsonValueKind.Null, tenth["count"]?.GetValueKind() ?? JsonValueKind.Null);
        Assert.True(tenth.ContainsKey("count"));
        Assert.Equal(JsonValueKind.Number, exported[0]["count"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, exported[0]["price"]!.GetValueKind());
        Assert.Equal(12.50m, exported[2]["price"]!.GetValue<decimal>());
        Assert.Equal(JsonValueKind.String, exported[0]["digits"]!.GetValueKind());
        Assert.Equal("00042", exported[0]["digits"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.True, exported[1]["vip"]!.GetValueKind());
        Assert.Equal(JsonValueKind.String, exported[0]["note"]!.GetValueKind());
    }

    [Fact]
    public async Task A_collection_without_key_field_exports_each_record_with_its_generated_id_first()
    {
        var collection = engine.CreateCollection("Keyless", keyField: null);
        var import = await engine.SubmitAsync(collection, "notes.jsonl",
            "{\"text\":\"first\",\"n\":1}\n{\"text\":\"second\",\"n\":null}\n{}\n{\"_id\":\"mine\",\"text\":\"own id\"}\n{\"text\":\"last\",\"_id\":\"mine\"}\n");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.RanWithErrors, import);
        // A row with a field named "_id" fails: the name belongs to the generated id.
        var audit = await engine.AuditRowsAsync(import);
        const string Reserved = "The field '_id' is reserved for the generated id in a collection without a key field; rename the field.";
        Assert.Equal([["4", "failed", "_id", Reserved], ["5", "failed", "_id", Reserved]],
            audit.Skip(1).Where(l => l[3] == "failed").Select(l => new[] { l[0], l[3], l[4], l[5] }));

        var jobId = await SubmitExportAsync(collection, "notes", 10);
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, jobId);

        var stored = engine.Records(collection);
        var exported = (await ExportFilesAsync(jobId)).Single().Records;
        Assert.Equal(3, exported.Count);
        Assert.Equal(stored.Keys.Order(), exported.Select(e => e["_id"]!.GetValue<string>()).Order());
        Assert.DoesNotContain(exported, e => e["_id"]!.GetValue<string>() == "mine");
        foreach (var (key, record) in stored)
        {
            var data = JsonNode.Parse(record.Data)!.AsObject();
            var line = exported.Single(e => e["_id"]!.GetValue<string>() == key);
            Assert.Equal(ExportWork.GeneratedIdField, line.First().Key);
            var fields = line.DeepClone().AsObject();
            fields.Remove(ExportWork.GeneratedIdField);
            Assert.True(JsonNode.DeepEquals(data, fields), $"{record.Data} became {line.ToJsonString()}");
        }
    }

    [Fact]
    public async Task An_empty_collection_exports_as_COMPLETED_0_of_0_with_one_empty_array_file()
    {
        var collection = engine.CreateCollection("Empty");

        var jobId = await SubmitExportAsync(collection, "nothing", 10_000);
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal(0, job.TotalRows);
        Assert.Equal(0, job.SucceededRows);
        Assert.Equal(1, job.BatchCount);
        var batch = Assert.Single(engine.Batches(jobId));
        Assert.Equal((Status.Completed, 0, 0, (string?)null), (batch.Status, batch.RowCount, batch.SucceededRows, batch.FirstKey));
        var file = Assert.Single(await ExportFilesAsync(jobId));
        Assert.Equal("nothing-0.json", file.Name);
        Assert.Equal("[]", file.Text.Trim());
        Assert.Empty(file.Records);
    }

    [Fact]
    public async Task An_import_submitted_during_an_export_waits_QUEUED_and_does_not_change_the_export()
    {
        var collection = engine.CreateCollection(schema: Schema);
        await engine.SubmitAsync(collection, "before.csv", JobRunnerTests.CustomersCsv(3_000));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        var before = engine.Records(collection);

        var export = await SubmitExportAsync(collection, "snapshot", 700);
        // The same keys with new amounts, and 500 new keys.
        var import = await engine.SubmitAsync(collection, "after.csv", JobRunnerTests.CustomersCsv(3_500, amount: i => $"{i}.99"));

        Assert.Equal(export, await engine.Runner.ClaimNextJobAsync());
        Assert.Null(await engine.Runner.ClaimNextJobAsync());
        var running = Task.Run(() => engine.Runner.RunJobAsync(export, CancellationToken.None));
        long? claimed = null;
        while (!running.IsCompleted && claimed is null)
        {
            // While the export runs, the import waits QUEUED and cannot be claimed.
            Assert.Equal(Status.Queued, engine.Job(import).Status);
            claimed = await engine.Runner.ClaimNextJobAsync();
            if (claimed is not null) Assert.NotNull(engine.Job(export).FinishedAt);
            await Task.Delay(5);
        }
        await running;
        engine.AssertStatus(Status.Completed, export);
        var exportedBefore = await ExportFilesAsync(export);

        claimed ??= await engine.Runner.ClaimNextJobAsync();
        Assert.Equal(import, claimed);
        await engine.Runner.RunJobAsync(import, CancellationToken.None);
        var importJob = engine.AssertStatus(Status.Completed, import);
        Assert.True(importJob.StartedAt >= engine.Job(export).FinishedAt);
        Assert.Equal(3_500, engine.Records(collection).Count);

        // The export holds the 3,000 records as they were, and its files did not change afterwards.
        var exportedAfter = await ExportFilesAsync(export);
        Assert.Equal(exportedBefore.Select(f => f.Text), exportedAfter.Select(f => f.Text));
        Assert.Equal(3_000, engine.Job(export).TotalRows);
        var records = exportedAfter.SelectMany(f => f.Records).ToList();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), records.Select(r => r["customerId"]!.GetValue<string>()));
        Assert.All(records, r => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(before[r["customerId"]!.GetValue<string>()].Data), r)));
        Assert.DoesNotContain(records, r => r["amount"]!.GetValue<decimal>() % 1 == 0.99m);
    }

    [Fact]
    public async Task A_batch_file_of_several_write_blocks_holds_every_record_once_in_key_order()
    {
        // 30,000 records of about 95 bytes: one file of about 2.9 MB, written in blocks of 1 MiB, each sent to disk
        // as soon as it is written, then fsynced.
        var collection = engine.CreateCollection("Wide", schema: Schema);
        InsertRecords(collection, 30_000);
        var jobId = await SubmitExportAsync(collection, "wide", 30_000);
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        engine.AssertStatus(Status.Completed, jobId);
        var file = Assert.Single(await ExportFilesAsync(jobId));
        Assert.InRange(file.Text.Length, 2 << 20, 4 << 20);
        Assert.Equal(Enumerable.Range(1, 30_000).Select(i => $"C{i:D7}"), file.Records.Select(r => r["customerId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Stop_Job_mid_export_cancels_it_keeps_the_committed_files_downloadable_and_leaves_no_other_file()
    {
        const int records = 60_000;
        var collection = engine.CreateCollection("Big", schema: Schema);
        InsertRecords(collection, records);
        var jobId = await SubmitExportAsync(collection, "big", 20);
        Assert.Equal(jobId, await engine.Runner.ClaimNextJobAsync());

        var run = Task.Run(() => engine.Runner.RunJobAsync(jobId, CancellationToken.None));
        await JobRunnerTests.Until(() => engine.Job(jobId).SucceededRows >= 60, TimeSpan.FromSeconds(60));
        Assert.True(await engine.Stopper.StopAsync(jobId, "admin"));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var job = engine.AssertStatus(Status.Canceled, jobId);
        Assert.Equal(records, job.TotalRows);
        var batches = engine.Batches(jobId);
        var committed = batches.Where(b => b.Status == Status.Completed).ToList();
        Assert.InRange(committed.Count, 3, batches.Count - 1);
        Assert.All(batches, b => Assert.Contains(b.Status, new[] { Status.Completed, Status.Canceled }));
        Assert.All(batches.Where(b => b.Status == Status.Canceled), b => Assert.Null(b.FileId));
        Assert.Equal(committed.Sum(b => (long)b.RowCount), job.SucceededRows);

        var files = await ExportFilesAsync(jobId);
        Assert.Equal(committed.Select(b => $"big-{b.BatchNo}.json"), files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal(20, f.Records.Count));
        Assert.Equal(committed.Select(b => $"big-{b.BatchNo}.json").Order(StringComparer.Ordinal),
            Directory.GetFiles(engine.Files.ExportFolder(jobId)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_worker_that_lost_its_lease_cannot_commit_an_export_batch_and_the_new_owner_writes_each_record_once()
    {
        using var other = new EngineHost(folder: engine.Folder);
        var collection = engine.CreateCollection(schema: Schema);
        InsertRecords(collection, 1_000);
        var jobId = await SubmitExportAsync(collection, "handover", 300);

        Assert.Equal(jobId, await engine.Runner.ClaimNextJobAsync());
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE jobs SET lease_until = @past", new { past = DateTime.UtcNow.AddMinutes(-1) });
        Assert.Equal(jobId, await other.Runner.ClaimNextJobAsync());

        await engine.Runner.RunJobAsync(jobId, CancellationToken.None);
        Assert.Equal(0, engine.Job(jobId).SucceededRows);
        Assert.Null(engine.Job(jobId).TotalRows);

        await other.Runner.RunJobAsync(jobId, CancellationToken.None);
        engine.AssertStatus(Status.Completed, jobId);
        var files = await ExportFilesAsync(jobId);
        Assert.Equal([300, 300, 300, 100], files.Select(f => f.Records.Count));
        Assert.Equal(1_000, files.SelectMany(f => f.Records).Select(r => r["customerId"]!.GetValue<string>()).Distinct().Count());
        using var check = engine.Database.Open();
        Assert.Equal(4, check.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_files WHERE storage_name LIKE 'exports/%'"));
    }

    [Fact]
    public async Task A_batch_file_that_cannot_be_written_FAILS_the_export_with_a_reason_and_keeps_the_files_before_it()
    {
        var collection = engine.CreateCollection(schema: Schema);
        InsertRecords(collection, 50);
        var jobId = await SubmitExportAsync(collection, "blocked", 20);
        // Something that is not a file stands where batch 1's file goes.
        Directory.CreateDirectory(Path.Combine(engine.Files.ExportFolder(jobId), "blocked-1.json", "in-the-way"));

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.Failed, jobId);
        Assert.Contains("The batch file blocked-1.json could not be written", job.StatusReason);
        Assert.Contains("start the export again", job.StatusReason);
        Assert.Contains($"the server log has the details under job {jobId}", job.StatusReason);
        Assert.DoesNotContain(engine.Folder.Path, job.StatusReason);
        Assert.Equal(20, job.SucceededRows);
        Assert.Equal([Status.Completed, Status.Failed, Status.Failed], engine.Batches(jobId).Select(b => b.Status));
        Assert.Equal(["blocked-0.json"], (await ExportFilesAsync(jobId)).Select(f => f.Name));
        Assert.Empty(Directory.GetFiles(engine.Files.ExportFolder(jobId), "*.tmp"));
    }

    [Fact]
    public void The_internal_error_reason_fits_imports_and_exports_and_keeps_the_exception_text_out()
    {
        var error = new InvalidOperationException("disk on fire at /srv/jobtracker/data/files/secret.csv");
        var batch = new BatchRow { JobId = 7, BatchNo = 2, FirstRow = 2001 };
        Assert.Equal(
            "The job stopped on an internal error. Batches committed before it stay committed; the rows from row 2,001 on were not applied: import them again. " +
            "If it happens again, tell an admin: the server log has the details under job 7.",
            JobFailureReasons.For(error, JobTypes.Import, 7, batch));
        var export = JobFailureReasons.For(error, JobTypes.Export, 7, batch);
        Assert.StartsWith("The job stopped on an internal error. Batches committed before it stay committed,", export);
        Assert.Contains("Start the export again", export);
        Assert.DoesNotContain("import", export);
        Assert.DoesNotContain("/srv", export);
    }

    // ---------------------------------------------------------------- helpers

    private async Task<long> SubmitExportAsync(long collectionId, string exportName, int recordsPerFile) =>
        await engine.Exports.SubmitAsync(collectionId, exportName, recordsPerFile, "tester")
        ?? throw new InvalidOperationException("the export was not queued");

    /// <summary>Records written straight into the records table (the export does not care how they came).</summary>
    private void InsertRecords(long collectionId, int count) => InsertRecords(engine.Database, collectionId, count);

    /// <remarks>Through the provider's record writer, as an import writes them (a bulk copy on PostgreSQL), in one transaction.</remarks>
    internal static void InsertRecords(Database database, long collectionId, int count)
    {
        var records = Enumerable.Range(1, count).Select(i => new RecordWrite(
            $"C{i:D7}",
            Encoding.UTF8.GetBytes($"{{\"customerId\":\"C{i:D7}\",\"name\":\"Customer {i}\",\"amount\":{i}.5,\"active\":{(i % 2 == 0 ? "true" : "false")},\"note\":null}}"))).ToList();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var writer = database.Provider.CreateRecordWriter(connection, collectionId, jobId: 0))
            writer.WriteAsync(records, new bool[records.Count], transaction, CancellationToken.None).GetAwaiter().GetResult();
        connection.Execute("UPDATE collections SET record_count = record_count + @count WHERE id = @collectionId", new { count, collectionId }, transaction);
        transaction.Commit();
    }

    internal sealed record ExportFile(int BatchNo, string Name, string Text, List<JsonObject> Records);

    /// <summary>The committed batch files of an export, in batch order, read as a download reads them (through batches.file_id).</summary>
    private Task<List<ExportFile>> ExportFilesAsync(long jobId) => ExportFilesAsync(engine.Database, engine.Files, jobId);

    internal static async Task<List<ExportFile>> ExportFilesAsync(Database database, FileStore files, long jobId)
    {
        List<(int BatchNo, long FileId)> committed;
        using (var connection = database.Open())
        {
            committed = connection.Query<(int, long)>(
                "SELECT batch_no, file_id FROM batches WHERE job_id = @jobId AND file_id IS NOT NULL ORDER BY batch_no", new { jobId }).AsList();
        }
        var result = new List<ExportFile>();
        foreach (var (batchNo, fileId) in committed)
        {
            var opened = await files.OpenReadAsync(fileId) ?? throw new FileNotFoundException($"the file of batch {batchNo} is missing");
            string text;
            await using (opened.Content)
            using (var reader = new StreamReader(opened.Content, new UTF8Encoding(false, throwOnInvalidBytes: true)))
                text = await reader.ReadToEndAsync();
            Assert.Equal(Encoding.UTF8.GetByteCount(text), opened.File.SizeBytes);
            var array = JsonNode.Parse(text) as JsonArray ?? throw new InvalidDataException($"{opened.File.FileName} is not a JSON array");
            result.Add(new ExportFile(batchNo, opened.File.FileName, text, array.Select(r => r!.AsObject()).ToList()));
        }
        return result;
    }
}

/// <summary>
/// The product as a real child process, killed mid-export and started again (as CrashResumeTests does
/// for imports): the export resumes, and every record is in exactly one valid batch file.
/// </summary>
public sealed class ExportCrashResumeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    [Theory]
    [InlineData("same node restarts", true)]
    [InlineData("another node takes over once the lease expires", false)]
    public async Task A_process_killed_mid_export_resumes_it_and_every_record_is_written_exactly_once(string _, bool sameNode)
    {
        const int records = 100_000;
        var collection = engine.CreateCollection("Exported");
        ExportTests.InsertRecords(engine.Database, collection, records);
        var jobId = await engine.Exports.SubmitAsync(collection, "resumed", 50, "tester") ?? throw new InvalidOperationException("not queued");

        using (var first = ProductProcess.Start(engine.Folder, "node-a", lease: TimeSpan.FromSeconds(3)))
        {
            await Until(() => engine.Job(jobId).SucceededRows > 0, first);
            first.Kill();
        }
        var killed = engine.Job(jobId);
        Assert.Null(killed.FinishedAt);
        Assert.Equal(Status.InProgress, killed.Status);
        Assert.StartsWith("node-a/", killed.LeaseOwner);
        Assert.Equal(records, killed.TotalRows);
        Assert.InRange(killed.SucceededRows, 1, records - 1);

        using (var second = ProductProcess.Start(engine.Folder, sameNode ? "node-a" : "node-b"))
        {
            await Until(() => engine.Job(jobId).FinishedAt is not null, second);
        }

        var job = engine.Job(jobId);
        Assert.True(job.Status == Status.Completed, $"{job.Status}: {job.StatusReason}");
        Assert.Equal(records, job.SucceededRows);
        var batches = engine.Batches(jobId);
        Assert.Equal(records / 50, batches.Count);
        Assert.All(batches, b => Assert.Equal((Status.Completed, 50), (b.Status, b.SucceededRows)));

        var files = await ExportTests.ExportFilesAsync(engine.Database, engine.Files, jobId);
        Assert.Equal(batches.Select(b => $"resumed-{b.BatchNo}.json"), files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal(50, f.Records.Count));
        var keys = files.SelectMany(f => f.Records).Select(r => r["customerId"]!.GetValue<string>()).ToList();
        Assert.Equal(records, keys.Count);
        Assert.Equal(engine.Records(collection).Keys.Order(StringComparer.Ordinal), keys);
        // Nothing half-written or uncommitted left beside the files.
        Assert.Equal(records / 50, Directory.GetFiles(engine.Files.ExportFolder(jobId)).Length);
        using var connection = engine.Database.Open();
        Assert.Equal(records / 50, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_files WHERE storage_name LIKE 'exports/%'"));
    }

    private static async Task Until(Func<bool> condition, ProductProcess process)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) throw new InvalidOperationException("The product exited:\n" + process.Output);
            if (clock.Elapsed > Patience) throw new TimeoutException("Waited too long. Product output:\n" + process.Output);
            await Task.Delay(5);
        }
    }
}
