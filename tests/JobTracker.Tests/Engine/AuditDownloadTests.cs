using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The audit download reads a few batches at a time, each read a short query of its own: a client that stops
/// reading part-way holds no query open, so (on SQLite) a checkpoint can empty the WAL meanwhile, and the
/// batches it has not reached yet are read as they are when it gets to them.
/// </summary>
public sealed class AuditDownloadTests : IDisposable
{
    private readonly EngineHost engine = new(batchSize: 100);

    public void Dispose() => engine.Dispose();

    [Fact]
    public async Task A_client_paused_part_way_holds_no_query_open_and_later_batches_are_read_when_reached()
    {
        const int rows = 6_000;
        var collection = engine.CreateCollection();
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(rows));
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, jobId);
        var lastBatch = engine.Batches(jobId).Max(b => b.BatchNo);

        var output = new PausingStream();
        var download = Task.Run(() => engine.AuditLog.WriteCsvAsync(jobId, output));
        await output.Paused.WaitAsync(TimeSpan.FromSeconds(60));

        // The client has stopped reading (the first 64 KB of CSV wait to be sent, about a third of the file).
        using (var connection = engine.Database.Open())
        {
            // Meanwhile the last batch changes: its audit goes, and it shows FAILED with a reason.
            connection.Execute("DELETE FROM audit_entries WHERE job_id = @jobId AND batch_no = @lastBatch", new { jobId, lastBatch });
            connection.Execute("UPDATE batches SET status = @Failed, status_reason = 'Changed while the download waited.' WHERE job_id = @jobId AND batch_no = @lastBatch",
                new { jobId, lastBatch, Failed = Status.Failed });
            if (engine.Database.Provider is SqliteProvider)
            {
                // No reader holds a snapshot: a TRUNCATE checkpoint completes and empties the WAL file.
                var (busy, _, _) = connection.QuerySingle<(long Busy, long Log, long Checkpointed)>("PRAGMA wal_checkpoint(TRUNCATE)");
                Assert.Equal(0, busy);
                Assert.Equal(0, new FileInfo(engine.Folder.File("jobtracker.db") + "-wal").Length);
            }
        }
        output.Release();
        await download.WaitAsync(TimeSpan.FromSeconds(60));

        var audit = Csv.Parse(Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF')).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, rows).Select(i => i.ToString()), audit.Select(r => r[0]));
        var last = audit.Where(r => r[1] == lastBatch.ToString()).ToList();
        Assert.Equal(100, last.Count);
        Assert.All(last, r => Assert.Equal([AuditLog.NotApplied, "Changed while the download waited."], new[] { r[3], r[5] }));
        Assert.All(audit.Where(r => r[1] != lastBatch.ToString()), r => Assert.Equal(AuditLog.Created, r[3]));
    }

    /// <summary>A response body whose client stops reading at the first write, until released.</summary>
    private sealed class PausingStream : MemoryStream
    {
        private readonly TaskCompletionSource paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Paused => paused.Task;

        public void Release() => released.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            paused.TrySetResult();
            await released.Task.WaitAsync(cancellationToken);
            base.Write(buffer.ToArray(), 0, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            paused.TrySetResult();
            released.Task.Wait();
            base.Write(buffer.ToArray(), 0, buffer.Length);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }
}
