using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The start-up sweep of storage on a real database and a real folder: what nothing refers to and nobody
/// has touched for JobTracker:OrphanFileAge goes, everything else stays; and a real product process killed
/// mid-upload leaves nothing behind once it has started again.
/// </summary>
public sealed class StorageSweepTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly SchemaField[] Schema = [new("customerId", FieldTypes.String, true), new("amount", FieldTypes.Decimal, false)];
    private static readonly DateTime Old = DateTime.UtcNow.AddHours(-2);

    [Fact]
    public async Task The_sweep_removes_old_unreferenced_files_and_rows_and_keeps_referenced_fresh_and_foreign_ones()
    {
        using var engine = new EngineHost(batchSize: 20);
        var collection = engine.CreateCollection(schema: Schema);
        var importId = await engine.SubmitAsync(collection, "kept.csv", "customerId,amount\nK1,1\nK2,2\n");
        var exportId = await engine.Exports.SubmitAsync(collection, "kept", 1, "tester") ?? throw new InvalidOperationException("not queued");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, exportId);
        var orphan = await engine.Files.SaveAsync(new MemoryStream("customerId\nO1\n"u8.ToArray()), "orphan.csv", long.MaxValue, CancellationToken.None);
        var fresh = await engine.Files.SaveAsync(new MemoryStream("customerId\nF1\n"u8.ToArray()), "fresh.csv", long.MaxValue, CancellationToken.None);

        // What a crash leaves, and what is not ours.
        var root = engine.StoragePath;
        var exports = Path.Combine(root, "exports", exportId.ToString());
        var strays = new[]
        {
            Path.Combine(root, $"{Guid.NewGuid():N}.csv"),                    // stored, but its row never committed
            Path.Combine(root, $"{Guid.NewGuid():N}.json.part"),              // cut off mid-upload
            Path.Combine(exports, "kept-7.json"),                             // moved into place, its batch never committed
            Path.Combine(exports, ".kept-0.json.0123abcd.tmp"),               // an export run killed mid-file
            Path.Combine(root, "exports", "987654", "gone-0.json"),           // a job that is no more
        };
        var freshPart = Path.Combine(root, $"{Guid.NewGuid():N}.csv.part");  // another node is writing it right now
        var foreign = Path.Combine(root, "notes.txt");                        // not a name this program makes
        foreach (var path in strays.Append(freshPart).Append(foreign))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, "x");
        }
        foreach (var path in engine.FilesOnDisk().Where(p => p != freshPart && !p.EndsWith(StorageNameOf(engine, fresh), StringComparison.Ordinal)))
            File.SetLastWriteTimeUtc(path, Old);
        Directory.SetLastWriteTimeUtc(Path.Combine(root, "exports", "987654"), Old);
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE stored_files SET created_at = @Old WHERE id <> @Id", new { Old, fresh.Id });
        var orphanPath = Path.Combine(root, StorageNameOf(engine, orphan));
        Assert.True(File.Exists(orphanPath));
        // The import's file, the export's 2 batch files, the fresh row's file, the fresh part and the foreign file.
        var kept = engine.FilesOnDisk().Except(strays).Except([orphanPath]).Order().ToList();
        Assert.Equal(6, kept.Count);

        var (rows, files) = await engine.Sweep.RunAsync(DateTime.UtcNow);

        Assert.Equal((1, strays.Length), (rows, files));
        Assert.Equal(kept, engine.FilesOnDisk().Order().ToList());
        Assert.False(Directory.Exists(Path.Combine(root, "exports", "987654")));
        Assert.True(Directory.Exists(exports));
        using (var connection = engine.Database.Open())
        {
            var ids = connection.Query<long>("SELECT id FROM stored_files").ToHashSet();
            Assert.DoesNotContain(orphan.Id, ids);
            Assert.Contains(fresh.Id, ids);
            Assert.Contains(engine.Job(importId).SourceFileId!.Value, ids);
            Assert.All(engine.Batches(exportId), b => Assert.Contains(b.FileId!.Value, ids));
        }
        // Everything kept still works: the export's files download, the import's file reads.
        Assert.NotNull(await engine.Files.OpenReadAsync(engine.Batches(exportId)[1].FileId!.Value));
        Assert.NotNull(await engine.Files.OpenReadAsync(engine.Job(importId).SourceFileId!.Value));

        // A second sweep finds nothing more.
        Assert.Equal((0, 0), await engine.Sweep.RunAsync(DateTime.UtcNow));
    }

    [Fact]
    public async Task With_database_storage_the_sweep_removes_an_upload_cut_off_mid_stream_with_its_chunks()
    {
        using var engine = new EngineHost(storage: StorageKind.Database);
        var collection = engine.CreateCollection(schema: Schema);
        var importId = await engine.SubmitAsync(collection, "kept.csv", "customerId,amount\nK1,1\n");
        var content = Encoding.UTF8.GetBytes("customerId\n" + string.Concat(Enumerable.Range(0, 300_000).Select(i => $"C{i:D7}\n")));
        var cutOff = await engine.Files.SaveAsync(new MemoryStream(content), "cut.csv", long.MaxValue, CancellationToken.None);
        var fresh = await engine.Files.SaveAsync(new MemoryStream(content), "fresh.csv", long.MaxValue, CancellationToken.None);
        using var connection = engine.Database.Open();
        // As a killed upload leaves it: the row still pending (size 0), some chunks in.
        connection.Execute("UPDATE stored_files SET size_bytes = 0, created_at = @Old WHERE id = @Id", new { Old, cutOff.Id });
        connection.Execute("UPDATE stored_files SET created_at = @Old WHERE id = @Id", new { Old, Id = engine.Job(importId).SourceFileId });
        long Chunks(long fileId) => connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_file_chunks WHERE file_id = @fileId", new { fileId });
        Assert.Equal(3, Chunks(cutOff.Id));

        Assert.Equal((1, 0), await engine.Sweep.RunAsync(DateTime.UtcNow));

        Assert.Equal(0, Chunks(cutOff.Id));
        Assert.Equal(3, Chunks(fresh.Id));
        Assert.Equal(2, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM stored_files"));
        await using var kept = (await engine.Files.OpenReadAsync(engine.Job(importId).SourceFileId!.Value))!.Value.Content;
        Assert.Equal("customerId,amount\nK1,1\n", await new StreamReader(kept).ReadToEndAsync());
    }

    [Theory]
    [InlineData(StorageKind.Folder)]
    [InlineData(StorageKind.Database)]
    public async Task A_process_killed_mid_upload_leaves_nothing_once_it_has_started_again(StorageKind storage)
    {
        using var engine = new EngineHost(storage: storage);
        var collection = engine.CreateCollection(schema: Schema);
        var settings = new Dictionary<string, string> { ["JobTracker:OrphanFileAge"] = "00:00:02" };
        using var connection = engine.Database.Open();
        long Count(string table) => connection.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}");
        string[] PartFiles() => engine.FilesOnDisk().Where(f => f.EndsWith(".part", StringComparison.Ordinal)).ToArray();

        using (var first = ProductProcess.Start(engine.Folder, "node-a", storage: storage, settings: settings))
        {
            await first.WaitUntilListeningAsync(Patience);
            using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
            {
                BaseAddress = first.BaseAddress,
            };
            using (var signIn = await JobTrackerApp.PostSignInAsync(client, JobTrackerApp.AdminUser, ProductProcess.AdminPassword))
                Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collection}/Import");
            var upload = JobTrackerApp.PostImportAsync(client, collection, new EndlessUpload("big.csv", 64 << 20), token);

            // Killed once more than 2 MiB are in storage.
            await Until(() => upload.IsCompleted ? throw new InvalidOperationException("the upload ended: " + upload.Exception) : storage == StorageKind.Folder
                ? PartFiles().Any(f => new FileInfo(f).Length > 2 << 20)
                : Count("stored_file_chunks") >= 2, first);
            first.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
        }

        // What the crash left: a partial upload that nothing refers to, and no job.
        Assert.Equal(0, Count("jobs"));
        if (storage == StorageKind.Folder)
            Assert.Single(PartFiles());
        else
            Assert.Equal((1, 0L), (Count("stored_files"), connection.ExecuteScalar<long>("SELECT size_bytes FROM stored_files")));
        await Task.Delay(TimeSpan.FromSeconds(3)); // older than JobTracker:OrphanFileAge

        using (var second = ProductProcess.Start(engine.Folder, "node-a", storage: storage, settings: settings))
        {
            await second.WaitUntilListeningAsync(Patience);
            await Until(() => engine.FilesOnDisk().Length == 0 && Count("stored_files") == 0, second);
            await Until(() => second.Output.Contains("Storage sweep removed", StringComparison.Ordinal), second);
        }
        Assert.Equal(0, Count("stored_file_chunks"));
        Assert.Equal(0, Count("jobs"));
    }

    private static string StorageNameOf(EngineHost engine, StoredFile file)
    {
        using var connection = engine.Database.Open();
        return connection.ExecuteScalar<string>("SELECT storage_name FROM stored_files WHERE id = @Id", new { file.Id })!;
    }

    private static async Task Until(Func<bool> condition, ProductProcess process)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) throw new InvalidOperationException("The product exited:\n" + process.Output);
            if (clock.Elapsed > Patience) throw new TimeoutException("Waited too long. Product output:\n" + process.Output);
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A multipart upload of a CSV file that declares a length and sends rows in 64 KiB
    /// blocks, a little at a time, and never ends the body: only the death of the server ends it.
    /// </summary>
    private sealed class EndlessUpload : HttpContent
    {
        private const string Boundary = "----crash-test";
        private readonly string fileName;
        private readonly long declaredBytes;

        public EndlessUpload(string fileName, long declaredBytes)
        {
            this.fileName = fileName;
            this.declaredBytes = declaredBytes;
            Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var head = Encoding.ASCII.GetBytes(
                $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: text/csv\r\n\r\ncustomerId,amount\n");
            await stream.WriteAsync(head);
            var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 8192).Select(i => $"K{i:D9},{i % 100}.5\n")))[..(64 << 10)];
            for (var sent = (long)head.Length; sent + block.Length < declaredBytes; sent += block.Length)
            {
                await stream.WriteAsync(block);
                await stream.FlushAsync();
                await Task.Delay(5);
            }
            await Task.Delay(Patience);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = declaredBytes;
            return true;
        }
    }
}
