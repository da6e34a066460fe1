using System.Diagnostics;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.PostgreSql;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// Transient database faults, for real: another connection holds the lock the import's writes need (SQLite's
/// write lock; on PostgreSQL an ACCESS EXCLUSIVE lock on records), and the engine's connections wait only 1 s
/// for a lock, so the fault surfaces (SQLITE_BUSY, or lock_not_available 55P03) rather than a long wait.
/// </summary>
public sealed class TransientFaultTests : IDisposable
{
    private const int Rows = 20_000;
    private const int BatchSize = 100;

    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    private EngineHost Engine(int maxAttempts, TimeSpan baseDelay, TimeSpan? maxDelay = null, TimeSpan? lease = null) =>
        new(batchSize: BatchSize, folder: folder, lease: lease, connectionString: DatabaseLockHolder.ShortLockWait(folder), settings: new Dictionary<string, string?>
        {
            ["JobTracker:Retry:MaxAttempts"] = maxAttempts.ToString(),
            ["JobTracker:Retry:BaseDelay"] = baseDelay.ToString(),
            ["JobTracker:Retry:MaxDelay"] = (maxDelay ?? baseDelay).ToString(),
        });

    /// <summary>
    /// Runs the import until it has committed some batches, then hands it back (as on shutdown), claims it again
    /// and takes the lock: the next batch the job runs meets the lock, mid-import. Returns the lock and the rows
    /// committed before it.
    /// </summary>
    private async Task<(DatabaseLockHolder Lock, long SucceededBefore)> LockMidImportAsync(EngineHost engine, long jobId)
    {
        using (var stopping = new CancellationTokenSource())
        {
            var run = engine.Runner.RunUntilIdleAsync(stopping.Token);
            while (!run.IsCompleted && engine.Job(jobId).SucceededRows == 0) await Task.Delay(1);
            stopping.Cancel();
            await run;
        }
        var before = engine.Job(jobId);
        Assert.True(before.Status == Status.InProgress && before.SucceededRows > 0 && before.SucceededRows < Rows,
            $"the import should be part-way: {before.Status}, {before.SucceededRows} rows");
        Assert.Equal(jobId, await engine.Runner.ClaimNextJobAsync());
        return (await DatabaseLockHolder.TakeAsync(folder, "records"), before.SucceededRows);
    }

    [Fact]
    public async Task A_lock_held_for_seconds_mid_import_is_waited_out_and_every_row_is_applied_once()
    {
        using var engine = Engine(maxAttempts: 10, baseDelay: TimeSpan.FromMilliseconds(200), maxDelay: TimeSpan.FromSeconds(1));
        var collection = engine.CreateCollection();
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(Rows));

        var (held, succeededBefore) = await LockMidImportAsync(engine, jobId);
        var running = Task.Run(() => engine.Runner.RunJobAsync(jobId, CancellationToken.None));
        await using (held)
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(Status.InProgress, engine.Job(jobId).Status);
        }
        await running.WaitAsync(TimeSpan.FromSeconds(120));

        var job = engine.AssertStatus(Status.Completed, jobId);
        Assert.Contains(engine.Logs.Lines, line => line.Contains("the batch was rolled back, trying again in") && line.Contains("stayed busy (locked by another"));
        Assert.Equal(Rows, job.TotalRows);
        Assert.Equal(Rows, job.SucceededRows);
        var batches = engine.Batches(jobId);
        Assert.All(batches, b => Assert.Equal(Status.Completed, b.Status));
        Assert.Equal(Rows, batches.Sum(b => b.SucceededRows));
        Assert.Equal(Rows, engine.Records(collection).Count);
        Assert.Equal(Rows, engine.RecordCount(collection));
        var audit = (await engine.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, Rows).Select(i => i.ToString()), audit.Select(r => r[0]));
        Assert.All(audit, r => Assert.Equal(AuditLog.Created, r[3]));
        Assert.InRange(succeededBefore, BatchSize, Rows - BatchSize);
    }

    [Fact]
    public async Task After_the_bounded_attempts_the_job_fails_saying_why_and_keeps_its_committed_batches()
    {
        using var engine = Engine(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(100), maxDelay: TimeSpan.FromMilliseconds(200));
        var collection = engine.CreateCollection();
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(Rows));

        var (held, _) = await LockMidImportAsync(engine, jobId);
        var running = Task.Run(() => engine.Runner.RunJobAsync(jobId, CancellationToken.None));
        await using (held)
        {
            // Held through the job's 3 attempts (2 retries logged). On SQLite the failure itself needs the write lock
            // too: its first try fails as well (a third retry logged), and the lock goes then. On PostgreSQL it does not.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (engine.Job(jobId).FinishedAt is null && engine.Logs.Lines.Count(line => line.Contains("trying again in")) < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "the job neither failed nor retried three times");
                await Task.Delay(20);
            }
        }
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        var job = engine.AssertStatus(Status.Failed, jobId);
        var batches = engine.Batches(jobId);
        var stoppedAt = batches.First(b => b.Status != Status.Completed);
        var busy = folder.Provider == PostgreSqlProvider.ProviderName ? "locked by another session" : "locked by another process or connection";
        Assert.StartsWith($"The job stopped because the database stayed busy ({busy}): it was tried 3 times over ", job.StatusReason);
        Assert.Contains($", each time from batch {stoppedAt.BatchNo}. Batches committed before it stay committed; the rows from row {stoppedAt.FirstRow:N0} on were not applied: import them again.", job.StatusReason);
        Assert.EndsWith($"the server log has the details under job {jobId}.", job.StatusReason);
        Assert.All(batches.Where(b => b.BatchNo >= stoppedAt.BatchNo), b => Assert.Equal(Status.Failed, b.Status));
        Assert.All(batches.Where(b => b.BatchNo < stoppedAt.BatchNo), b => Assert.Equal(Status.Completed, b.Status));
        Assert.Equal(stoppedAt.FirstRow - 1, job.SucceededRows);
        Assert.Equal(job.SucceededRows, engine.Records(collection).Count);
        var audit = (await engine.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal(Rows, audit.Count);
        Assert.Equal(job.SucceededRows, audit.Count(r => r[3] == AuditLog.Created));
        Assert.Contains(engine.Logs.Lines, line => line.StartsWith("Error: Job ") && line.Contains("TransientFaultException"));
    }

    [Fact]
    public async Task A_database_error_that_is_not_transient_fails_the_job_at_once_and_its_text_stays_in_the_log()
    {
        using var engine = Engine(maxAttempts: 6, baseDelay: TimeSpan.FromSeconds(30));
        var collection = engine.CreateCollection();
        using (var connection = engine.Database.Open())
        {
            connection.Execute(folder.Provider == PostgreSqlProvider.ProviderName
                ? """
                  CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
                  CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit();
                  """
                : "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END;");
        }
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(500));

        var clock = Stopwatch.StartNew();
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}: it waited to try again");
        var job = engine.AssertStatus(Status.Failed, jobId);
        Assert.Equal(
            "The job stopped on an internal error. No row was applied: import the file again. " +
            $"If it happens again, tell an admin: the server log has the details under job {jobId}.", job.StatusReason);
        Assert.DoesNotContain(engine.Logs.Lines, line => line.Contains("trying again"));
        Assert.Contains(engine.Logs.Lines, line => line.StartsWith($"Error: Job {jobId} failed") && line.Contains("refused by the test trigger"));
        Assert.Empty(engine.Records(collection));
    }

    [Fact]
    public async Task Stop_Job_cuts_a_wait_short_and_the_lease_is_renewed_while_the_job_waits()
    {
        using var engine = Engine(maxAttempts: 3, baseDelay: TimeSpan.FromMinutes(10), lease: TimeSpan.FromSeconds(3));
        var collection = engine.CreateCollection();
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(Rows));

        var (held, _) = await LockMidImportAsync(engine, jobId);
        var running = Task.Run(() => engine.Runner.RunJobAsync(jobId, CancellationToken.None));
        await using (held)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!engine.Logs.Lines.Any(line => line.Contains("trying again in")))
            {
                Assert.True(DateTime.UtcNow < deadline, "the lock never surfaced as a fault");
                await Task.Delay(20);
            }
        }

        // The job now waits minutes before its next attempt; its lease (3 s) is renewed all the while.
        var before = engine.Job(jobId);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var during = engine.Job(jobId);
        Assert.Equal(Status.InProgress, during.Status);
        Assert.Equal(engine.Runner.Owner, during.LeaseOwner);
        Assert.True(during.LeaseUntil > before.LeaseUntil && during.LeaseUntil > DateTime.UtcNow,
            $"lease_until {before.LeaseUntil:O} then {during.LeaseUntil:O}, now {DateTime.UtcNow:O}");

        var clock = Stopwatch.StartNew();
        Assert.True(await engine.Stopper.StopAsync(jobId, "tester"));
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the stop took {clock.Elapsed}");

        var job = engine.AssertStatus(Status.Canceled, jobId);
        var batches = engine.Batches(jobId);
        Assert.Contains(batches, b => b.Status == Status.Completed);
        Assert.Equal(job.SucceededRows, batches.Where(b => b.Status == Status.Completed).Sum(b => b.SucceededRows));
        Assert.Equal(job.SucceededRows, engine.Records(collection).Count);
    }

    [Fact]
    public async Task A_worker_that_cannot_claim_because_the_database_is_locked_logs_it_and_claims_at_the_next_poll()
    {
        using var engine = Engine(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(100));
        var collection = engine.CreateCollection();
        var jobId = await engine.SubmitAsync(collection, "customers.csv", JobRunnerTests.CustomersCsv(50));

        var held = await DatabaseLockHolder.TakeAsync(folder, "jobs");
        await using (held)
        {
            await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        }
        Assert.Contains(engine.Logs.Lines, line => line.StartsWith("Warning: Could not look for queued jobs") && line.Contains("stayed busy"));
        Assert.Equal(Status.Queued, engine.Job(jobId).Status);

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        engine.AssertStatus(Status.Completed, jobId);
    }
}
