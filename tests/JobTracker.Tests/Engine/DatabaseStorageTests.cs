using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// JobTracker:Storage = Database on a real SQLite file: uploads and export batch files are chunks in the
/// database, written as they stream and read back a chunk at a time, so a node with its own, empty storage
/// folder imports any upload and reads any batch file; an export batch's chunks commit with its batch.
/// </summary>
public sealed class DatabaseStorageTests : IDisposable
{
    private const int MiB = 1 << 20;

    private static readonly SchemaField[] Schema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("amount", FieldTypes.Decimal, false),
        new("active", FieldTypes.Boolean, false),
    ];

    private readonly EngineHost engine = new(storage: StorageKind.Database);
    private readonly TestFolder otherNode = new();

    public void Dispose()
    {
        engine.Dispose();
        otherNode.Dispose();
    }

    /// <summary>Another node on the same database file, with its own (empty) storage folder.</summary>
    private EngineHost OtherNode() => new(folder: engine.Folder, storage: StorageKind.Database, storagePath: otherNode.StoragePath);

    [Theory]
    [InlineData("customers.csv")]
    [InlineData("customers.json")]
    public async Task An_upload_stored_by_one_node_is_imported_by_another_with_an_empty_storage_folder_into_the_same_records_as_from_a_folder(string fileName)
    {
        // About 3 MiB: batches whose bytes cross chunk boundaries.
        var content = Encoding.UTF8.GetBytes(fileName.EndsWith(".csv") ? JobRunnerTests.CustomersCsv(60_000) : CustomersJson(30_000));
        using var folderNode = new EngineHost(storage: StorageKind.Folder);
        var expectedCollection = folderNode.CreateCollection(schema: Schema);
        var expectedJob = await folderNode.SubmitAsync(expectedCollection, fileName, content);
        await folderNode.Runner.RunUntilIdleAsync(CancellationToken.None);
        var expected = folderNode.AssertStatus(Status.Completed, expectedJob);

        var collection = engine.CreateCollection(schema: Schema);
        var jobId = await engine.Imports.SubmitAsync(collection, new MemoryStream(content), fileName, "tester");
        using (var other = OtherNode())
        {
            await other.Runner.RunUntilIdleAsync(CancellationToken.None);
            Assert.Empty(other.FilesOnDisk());
        }

        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal((expected.TotalRows, expected.SucceededRows, expected.FailedRows, expected.BatchCount), (job.TotalRows, job.SucceededRows, job.FailedRows, job.BatchCount));
        Assert.Equal(folderNode.Records(expectedCollection), engine.Records(collection));
        Assert.Empty(engine.FilesOnDisk());
        Assert.Equal((content.Length + MiB - 1) / MiB, Chunks(job.SourceFileId!.Value).Count);
    }

    [Fact]
    public async Task A_multi_MiB_upload_goes_into_the_database_1_MiB_at_a_time_as_it_streams_in_and_reads_back_seekably()
    {
        var content = RandomNumberGenerator.GetBytes(5 * MiB + MiB / 2);
        var chunksSeen = new List<(long Served, long Chunks)>();
        var upload = new WatchedStream(content, served =>
        {
            using var connection = engine.Database.Open();
            chunksSeen.Add((served, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_file_chunks")));
        });

        var stored = await engine.Files.SaveAsync(upload, "big.csv", long.MaxValue, CancellationToken.None);

        // Each time the store asked for more, every full MiB it had been given was in the database already:
        // it never held more than the one chunk it was filling.
        Assert.True(chunksSeen.Count > 6);
        Assert.All(chunksSeen, seen => Assert.Equal(seen.Served / MiB, seen.Chunks));
        Assert.Equal([MiB, MiB, MiB, MiB, MiB, MiB / 2], Chunks(stored.Id));
        Assert.Equal(content.Length, stored.SizeBytes);
        Assert.Empty(engine.FilesOnDisk());

        var opened = await engine.Files.OpenReadAsync(stored.Id) ?? throw new FileNotFoundException("not stored");
        await using var read = opened.Content;
        Assert.True(read.CanSeek);
        Assert.Equal(content.Length, read.Length);
        read.Seek(3 * MiB - 10, SeekOrigin.Begin);
        var across = new byte[20];
        read.ReadExactly(across);
        Assert.Equal(content.AsSpan(3 * MiB - 10, 20).ToArray(), across);
        read.Position = 0;
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(copy.ToArray()));
    }

    [Fact]
    public async Task A_refused_upload_leaves_no_row_and_no_chunk()
    {
        var refused = await Assert.ThrowsAsync<UploadRejectedException>(() =>
            engine.Files.SaveAsync(new MemoryStream(new byte[3 * MiB]), "big.csv", 2 * MiB, CancellationToken.None));

        Assert.StartsWith("The file is larger than the upload limit of 2 MiB.", refused.Message);
        using var connection = engine.Database.Open();
        Assert.Equal((0, 0), (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_files"), connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_file_chunks")));
    }

    [Fact]
    public async Task A_file_stored_in_the_folder_before_a_switch_to_Database_still_opens()
    {
        using var before = new EngineHost(folder: engine.Folder, storage: StorageKind.Folder);
        var stored = await before.Files.SaveAsync(new MemoryStream("customerId\nC1\n"u8.ToArray()), "old.csv", long.MaxValue, CancellationToken.None);

        var opened = await engine.Files.OpenReadAsync(stored.Id) ?? throw new FileNotFoundException("not found after the switch");
        await using var content = opened.Content;
        Assert.Equal("customerId\nC1\n", await new StreamReader(content).ReadToEndAsync());
        Assert.Empty(Chunks(stored.Id));
    }

    [Fact]
    public async Task An_export_writes_its_batch_files_into_the_database_only_and_another_node_reads_them()
    {
        var collection = engine.CreateCollection(schema: Schema);
        ExportTests.InsertRecords(engine.Database, collection, 50_000);
        var jobId = await engine.Exports.SubmitAsync(collection, "shared", 20_000, "tester") ?? throw new InvalidOperationException("not queued");

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        engine.AssertStatus(Status.Completed, jobId);
        using var other = OtherNode();
        var files = await ExportTests.ExportFilesAsync(engine.Database, other.Files, jobId);
        Assert.Equal(["shared-0.json", "shared-1.json", "shared-2.json"], files.Select(f => f.Name));
        Assert.Equal([20_000, 20_000, 10_000], files.Select(f => f.Records.Count));
        var keys = files.SelectMany(f => f.Records).Select(r => r["customerId"]!.GetValue<string>());
        Assert.Equal(engine.Records(collection).Keys.Order(StringComparer.Ordinal), keys);
        // In the database, in chunks: nothing in either node's storage folder (not even the export's folder).
        Assert.All(engine.Batches(jobId), b => Assert.Equal(StorageKind.Database.ToString(), KindOf(b.FileId!.Value)));
        Assert.Contains(engine.Batches(jobId), b => Chunks(b.FileId!.Value).Count > 1);
        Assert.Empty(engine.FilesOnDisk());
        Assert.False(Directory.Exists(engine.Files.ExportFolder(jobId)));
        Assert.Empty(other.FilesOnDisk());
    }

    [Fact]
    public async Task Stop_Job_mid_export_leaves_chunks_of_committed_batches_only()
    {
        var collection = engine.CreateCollection("Big", schema: Schema);
        ExportTests.InsertRecords(engine.Database, collection, 30_000);
        var jobId = await engine.Exports.SubmitAsync(collection, "big", 20, "tester") ?? throw new InvalidOperationException("not queued");
        Assert.Equal(jobId, await engine.Runner.ClaimNextJobAsync());

        var run = Task.Run(() => engine.Runner.RunJobAsync(jobId, CancellationToken.None));
        await JobRunnerTests.Until(() => engine.Job(jobId).SucceededRows >= 60, TimeSpan.FromSeconds(60));
        Assert.True(await engine.Stopper.StopAsync(jobId, "admin"));
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        engine.AssertStatus(Status.Canceled, jobId);
        var committed = engine.Batches(jobId).Where(b => b.Status == Status.Completed).ToList();
        Assert.InRange(committed.Count, 3, 2_999);
        AssertOnlyCommittedFilesAreStored(jobId, committed);
        Assert.Equal(committed.Count, (await ExportTests.ExportFilesAsync(engine.Database, engine.Files, jobId)).Count);
    }

    [Fact]
    public async Task A_failed_export_leaves_chunks_of_committed_batches_only()
    {
        var collection = engine.CreateCollection("Changing", schema: Schema);
        ExportTests.InsertRecords(engine.Database, collection, 30_000);
        var jobId = await engine.Exports.SubmitAsync(collection, "changing", 20, "tester") ?? throw new InvalidOperationException("not queued");

        var run = Task.Run(() => engine.Runner.RunUntilIdleAsync(CancellationToken.None));
        await JobRunnerTests.Until(() => engine.Job(jobId).SucceededRows >= 60, TimeSpan.FromSeconds(60));
        using (var connection = engine.Database.Open())
            connection.Execute("DELETE FROM records WHERE collection_id = @collection AND record_key = 'C0025001'", new { collection });
        await run.WaitAsync(TimeSpan.FromSeconds(120));

        var job = engine.AssertStatus(Status.Failed, jobId);
        Assert.Contains("The collection changed while it was exported: batch 1250", job.StatusReason);
        var committed = engine.Batches(jobId).Where(b => b.Status == Status.Completed).ToList();
        Assert.Equal(1_250, committed.Count);
        AssertOnlyCommittedFilesAreStored(jobId, committed);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The export's stored files and chunks are exactly those of its committed batches, and none is on disk.</summary>
    private void AssertOnlyCommittedFilesAreStored(long jobId, List<BatchRow> committed)
    {
        using var connection = engine.Database.Open();
        var fileIds = connection.Query<long>("SELECT id FROM stored_files WHERE storage_name LIKE @prefix ORDER BY id",
            new { prefix = FileStore.ExportStorageName(jobId, "%") });
        var chunkFileIds = connection.Query<long>("SELECT DISTINCT file_id FROM stored_file_chunks ORDER BY file_id");
        var committedIds = committed.Select(b => b.FileId!.Value).Order().ToList();
        Assert.Equal(committedIds, fileIds);
        Assert.Equal(committedIds, chunkFileIds);
        Assert.Empty(engine.FilesOnDisk());
    }

    private List<long> Chunks(long fileId)
    {
        using var connection = engine.Database.Open();
        return connection.Query<long>("SELECT length(data) FROM stored_file_chunks WHERE file_id = @fileId ORDER BY chunk_no", new { fileId }).AsList();
    }

    private string KindOf(long fileId)
    {
        using var connection = engine.Database.Open();
        return connection.ExecuteScalar<string>("SELECT storage_kind FROM stored_files WHERE id = @fileId", new { fileId })!;
    }

    private static string CustomersJson(int rows)
    {
        var array = new JsonArray();
        for (var i = 1; i <= rows; i++)
            array.Add(new JsonObject { ["customerId"] = $"C{i:D6}", ["name"] = $"Customer {i}, Ltd", ["amount"] = i + 0.5m, ["active"] = i % 2 == 0, ["note"] = $"row {i}" });
        return array.ToJsonString();
    }

    /// <summary>An upload as a slow network delivers it, 64 KiB a read, saying before each read how many bytes it has served.</summary>
    private sealed class WatchedStream(byte[] content, Action<long> beforeRead) : Stream
    {
        private int position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            beforeRead(position);
            var n = Math.Min(Math.Min(count, 1 << 16), content.Length - position);
            Array.Copy(content, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
