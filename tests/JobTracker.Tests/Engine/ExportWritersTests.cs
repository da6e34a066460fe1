using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// JobTracker:ExportWriters: several batch files of one export written at once, each on its own
/// connection, still make the same files, each record once in key order, committed in batch order,
/// with nothing else left in the export's folder - on both storage kinds.
/// </summary>
public sealed class ExportWritersTests
{
    [Theory]
    [InlineData(StorageKind.Folder, 1)]
    [InlineData(StorageKind.Folder, 4)]
    [InlineData(StorageKind.Database, 1)]
    [InlineData(StorageKind.Database, 4)]
    public async Task Batches_written_at_once_commit_in_batch_order_and_hold_every_record_once_in_key_order(StorageKind storage, int writers)
    {
        using var engine = new EngineHost(storage: storage, settings: new Dictionary<string, string?> { ["JobTracker:ExportWriters"] = writers.ToString() });
        var collection = engine.CreateCollection();
        ExportTests.InsertRecords(engine.Database, collection, 5_003);

        var jobId = await engine.Exports.SubmitAsync(collection, "many", 250, "tester") ?? throw new InvalidOperationException("not queued");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Equal(5_003, job.SucceededRows);
        Assert.Equal(21, job.BatchCount);
        var batches = engine.Batches(jobId).OrderBy(b => b.BatchNo).ToList();
        Assert.All(batches, b => Assert.Equal(Status.Completed, b.Status));
        // Committed one by one in batch order: no batch finished before the one ahead of it.
        Assert.Equal(batches.Select(b => b.FinishedAt!.Value).Order(), batches.Select(b => b.FinishedAt!.Value));

        var files = await ExportTests.ExportFilesAsync(engine.Database, engine.Files, jobId);
        Assert.Equal(Enumerable.Range(0, 21).Select(n => $"many-{n}.json"), files.Select(f => f.Name));
        Assert.Equal(Enumerable.Repeat(250, 20).Append(3), files.Select(f => f.Records.Count));
        var keys = files.SelectMany(f => f.Records).Select(r => r["customerId"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(1, 5_003).Select(i => $"C{i:D7}"), keys);

        // No temp file of a batch written ahead is left behind.
        var folder = engine.Files.ExportFolder(jobId);
        var left = Directory.Exists(folder) ? Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList() : [];
        Assert.Equal(storage == StorageKind.Folder ? files.Select(f => f.Name).Order(StringComparer.Ordinal) : [], left);
    }
}
