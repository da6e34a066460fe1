using System.Globalization;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Schedules;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobTracker.Tests.Engine;

/// <summary>
/// Export schedules firing on a real SQLite file: one job per fire whoever fires it (two firers, two
/// hosts running real Quartz schedulers), a fire missed while the product was down runs once after a
/// real restart of the product, and a paused schedule never fires.
/// </summary>
public sealed class ScheduleFirerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly EngineHost engine = new();
    private readonly List<IDisposable> disposables = [];

    public void Dispose()
    {
        foreach (var disposable in disposables) disposable.Dispose();
        engine.Dispose();
    }

    /// <summary>A firer of its own (as another process would have) on the test's database; no scheduler runs it.</summary>
    private ScheduleFirer NewFirer(TimeSpan? misfireThreshold = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTracker:StoragePath"] = engine.Folder.StoragePath,
            ["JobTracker:RunWorkers"] = "false",
            ["JobTracker:ScheduleMisfireThreshold"] = (misfireThreshold ?? TimeSpan.FromMinutes(1)).ToString(),
        }).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(engine.Database)
            .AddJobTrackerEngine(configuration)
            .BuildServiceProvider();
        disposables.Add(services);
        return services.GetRequiredService<ScheduleFirer>();
    }

    [Fact]
    public async Task A_due_fire_creates_one_export_job_initiated_by_the_schedule_and_moves_the_next_fire_on()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", 2_500, nextFireAt: due);
        var firer = NewFirer();
        var now = due.AddMilliseconds(700);

        Assert.Equal(1, await firer.FireDueAsync(now));

        var job = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        Assert.Equal(JobTypes.Export, job.JobType);
        Assert.Equal(collection, job.CollectionId);
        Assert.Equal(Status.Queued, job.Status);
        Assert.Equal("schedule: Nightly", job.InitiatedBy);
        Assert.Equal("nightly-20261128", job.ExportName);
        Assert.Equal("nightly-20261128", job.FileName);
        Assert.Equal(2_500, job.BatchSize);
        Assert.Equal(due, job.ScheduledFor);
        Assert.Null(job.Note);
        Assert.Equal(new DateTime(2026, 11, 29, 2, 0, 0, DateTimeKind.Utc), ScheduleRows.NextFireAt(engine.Database, scheduleId));

        // The next pass, and the one after, find nothing due.
        Assert.Equal(0, await firer.FireDueAsync(now.AddSeconds(1)));
        Assert.Equal(0, await firer.FireDueAsync(now.AddHours(23)));
        Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
    }

    [Fact]
    public async Task Two_firers_that_saw_the_same_due_fire_create_one_job_and_move_the_next_fire_on_once()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", nextFireAt: due);
        var (one, two) = (NewFirer(), NewFirer());
        var now = due.AddMilliseconds(300);

        // Both read the schedule before either fires it: the worst interleaving.
        var seenByOne = Assert.Single(await one.FindDueAsync(now));
        var seenByTwo = Assert.Single(await two.FindDueAsync(now));
        var first = await one.FireAsync(seenByOne, now);
        var second = await two.FireAsync(seenByTwo, now.AddMilliseconds(50));

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal([first!.Value], ScheduleRows.Jobs(engine.Database, scheduleId).Select(j => j.Id));
        Assert.Equal(due.AddDays(1), ScheduleRows.NextFireAt(engine.Database, scheduleId));
    }

    [Fact]
    public async Task Two_firers_racing_over_many_due_schedules_create_exactly_one_job_per_fire()
    {
        var collections = Enumerable.Range(1, 4).Select(i => engine.CreateCollection($"C{i}")).ToList();
        var due = DateTime.UtcNow.AddSeconds(-1);
        due = due.AddTicks(-(due.Ticks % TimeSpan.TicksPerSecond));
        var schedules = Enumerable.Range(0, 24)
            .Select(i => ScheduleRows.Insert(engine.Database, collections[i % collections.Count], $"S{i}", "0 0 * * * ?", "UTC", $"s{i}-{{HHmmss}}", nextFireAt: due))
            .ToList();
        var firers = new[] { NewFirer(), NewFirer(), NewFirer() };

        var now = DateTime.UtcNow;
        var created = await Task.WhenAll(firers.SelectMany(f => Enumerable.Range(0, 3).Select(_ => Task.Run(() => f.FireDueAsync(now)))));

        Assert.Equal(schedules.Count, created.Sum());
        foreach (var scheduleId in schedules)
        {
            var job = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
            Assert.Equal(due, job.ScheduledFor);
            Assert.True(ScheduleRows.NextFireAt(engine.Database, scheduleId) > now, "next_fire_at did not move past now");
        }
    }

    [Fact]
    public async Task A_crash_between_creating_the_job_and_moving_the_next_fire_on_loses_nothing_and_duplicates_nothing()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", nextFireAt: due);
        var firer = NewFirer();
        var seen = Assert.Single(await firer.FindDueAsync(due.AddSeconds(1)));
        await firer.FireAsync(seen, due.AddSeconds(1));
        // As if the process died right after the job was created: next_fire_at still owes the fire.
        ScheduleRows.SetNextFireAt(engine.Database, scheduleId, due);

        Assert.Equal(0, await NewFirer().FireDueAsync(due.AddSeconds(5)));

        Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        Assert.Equal(due.AddDays(1), ScheduleRows.NextFireAt(engine.Database, scheduleId));
    }

    [Fact]
    public async Task A_fire_owed_for_several_periods_runs_once_and_its_job_says_it_was_missed()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", nextFireAt: due);
        var firer = NewFirer();
        var backAt = new DateTime(2026, 12, 1, 9, 15, 0, DateTimeKind.Utc);

        Assert.Equal(1, await firer.FireDueAsync(backAt));
        Assert.Equal(0, await firer.FireDueAsync(backAt.AddSeconds(1)));

        var job = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        Assert.Equal(due, job.ScheduledFor);
        Assert.Equal("nightly-20261128", job.ExportName);
        Assert.Equal(
            "Missed fire at 2026-11-28 02:00 Europe/Lisbon while the server was down; run at start-up. " +
            "3 later fires were missed too (the last at 2026-12-01 02:00 Europe/Lisbon); this one run stands for all of them.",
            job.Note);
        Assert.Equal(new DateTime(2026, 12, 2, 2, 0, 0, DateTimeKind.Utc), ScheduleRows.NextFireAt(engine.Database, scheduleId));
    }

    [Fact]
    public async Task A_fire_run_late_by_less_than_the_misfire_threshold_has_no_note_and_one_later_has()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var onTime = ScheduleRows.Insert(engine.Database, collection, "On time", "0 0 2 * * ?", "UTC", "a-{yyyyMMdd}", nextFireAt: due);
        var late = ScheduleRows.Insert(engine.Database, collection, "Late", "0 0 2 * * ?", "UTC", "b-{yyyyMMdd}", nextFireAt: due.AddSeconds(-20));
        var firer = NewFirer(misfireThreshold: TimeSpan.FromSeconds(10));

        Assert.Equal(2, await firer.FireDueAsync(due.AddSeconds(5)));

        Assert.Null(Assert.Single(ScheduleRows.Jobs(engine.Database, onTime)).Note);
        Assert.StartsWith("Missed fire at 2026-11-28 01:59:40 UTC while the server was down", Assert.Single(ScheduleRows.Jobs(engine.Database, late)).Note);
    }

    [Fact]
    public async Task A_paused_schedule_does_not_fire_even_with_a_fire_owed()
    {
        var collection = engine.CreateCollection();
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);
        var paused = ScheduleRows.Insert(engine.Database, collection, "Paused", "0 0 2 * * ?", "UTC", "p-{yyyyMMdd}", nextFireAt: due, enabled: false);
        var firer = NewFirer();

        Assert.Empty(await firer.FindDueAsync(due.AddDays(3)));
        Assert.Equal(0, await firer.FireDueAsync(due.AddDays(3)));
        Assert.Empty(ScheduleRows.Jobs(engine.Database, paused));
        Assert.Equal(due, ScheduleRows.NextFireAt(engine.Database, paused));
    }

    [Fact]
    public async Task Run_now_creates_an_export_job_at_once_initiated_by_the_schedule_even_while_paused()
    {
        var collection = engine.CreateCollection();
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", 500, nextFireAt: null, enabled: false);
        var firer = NewFirer();

        var before = DateTime.UtcNow;
        var jobId = await firer.RunNowAsync(scheduleId, "ada");
        var second = await firer.RunNowAsync(scheduleId, "ada");

        Assert.NotNull(jobId);
        Assert.NotNull(second);
        Assert.NotEqual(jobId, second);
        var job = engine.Job(jobId!.Value);
        Assert.Equal("schedule: Nightly", job.InitiatedBy);
        Assert.Equal("Run now by ada.", job.Note);
        Assert.Equal(500, job.BatchSize);
        Assert.Equal(scheduleId, job.ScheduleId);
        Assert.InRange(job.ScheduledFor!.Value, before, DateTime.UtcNow);
        var lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");
        Assert.Equal("nightly-" + TimeZoneInfo.ConvertTimeFromUtc(job.ScheduledFor.Value, lisbon).ToString("yyyyMMdd", CultureInfo.InvariantCulture), job.ExportName);
        Assert.Null(ScheduleRows.NextFireAt(engine.Database, scheduleId));
        Assert.Null(await firer.RunNowAsync(scheduleId + 1000, "ada"));
    }

    [Fact]
    public async Task The_firer_running_in_two_hosts_with_real_Quartz_schedulers_creates_one_job_per_fire()
    {
        var collections = Enumerable.Range(1, 3).Select(i => engine.CreateCollection($"Hosted {i}")).ToList();
        var (fireAt, cron) = ScheduleRows.OneShot(DateTime.UtcNow.AddSeconds(3), TimeZoneInfo.Utc);
        var schedules = Enumerable.Range(0, 12)
            .Select(i => ScheduleRows.Insert(engine.Database, collections[i % collections.Count], $"Hosted {i}", cron, "UTC", $"hosted{i}-{{yyyyMMdd-HHmmss}}", nextFireAt: fireAt))
            .ToList();

        using var one = await StartHostAsync("host-one");
        using var two = await StartHostAsync("host-two");
        await Until(() => schedules.All(s => ScheduleRows.Jobs(engine.Database, s).Count > 0));
        await Task.Delay(TimeSpan.FromSeconds(2)); // several more passes of both firers
        await one.StopAsync();
        await two.StopAsync();

        foreach (var (scheduleId, i) in schedules.Select((s, i) => (s, i)))
        {
            var job = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
            Assert.Equal(fireAt, job.ScheduledFor);
            Assert.Equal($"hosted{i}-{fireAt:yyyyMMdd-HHmmss}", job.ExportName);
            Assert.Null(job.Note);
            Assert.InRange(job.CreatedAt, fireAt, fireAt.AddSeconds(10));
            // A one-shot expression has no later fire.
            Assert.Null(ScheduleRows.NextFireAt(engine.Database, scheduleId));
        }
    }

    [Fact]
    public async Task A_fire_missed_while_the_product_was_down_runs_once_when_it_starts_again()
    {
        var collection = engine.CreateCollection();
        var now = DateTime.UtcNow;
        // Proof of life: a one-shot schedule the first run of the product fires.
        var (soonAt, soonCron) = ScheduleRows.OneShot(now.AddSeconds(3), TimeZoneInfo.Utc);
        var soon = ScheduleRows.Insert(engine.Database, collection, "Soon", soonCron, "UTC", "soon", nextFireAt: soonAt);
        // A nightly schedule at a time of day twelve hours away, so that no regular fire falls in the test.
        var lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");
        var hour = TimeZoneInfo.ConvertTimeFromUtc(now, lisbon).AddHours(12).Hour;
        var nightly = ScheduleDefinition.Read($"0 0 {hour} * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", 1000);
        var nightlyId = ScheduleRows.Insert(engine.Database, collection, "Nightly", $"0 0 {hour} * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", nextFireAt: nightly.NextFireAfter(now));

        using (var first = ProductProcess.Start(engine.Folder, "node-a"))
        {
            await Until(() => ScheduleRows.Jobs(engine.Database, soon).Count > 0, first);
            first.Kill();
        }
        Assert.Empty(ScheduleRows.Jobs(engine.Database, nightlyId));

        // The product stays down across three nightly fires: the first one it owes is over three days old.
        var owed = nightly.NextFireAfter(now.AddDays(-4))!.Value;
        ScheduleRows.SetNextFireAt(engine.Database, nightlyId, owed);
        var missedLater = nightly.CountFires(owed, DateTime.UtcNow);

        using (var second = ProductProcess.Start(engine.Folder, "node-a"))
        {
            await Until(() => ScheduleRows.Jobs(engine.Database, nightlyId).Count > 0, second);
            await Task.Delay(TimeSpan.FromSeconds(3)); // several more passes of the firer
            Assert.False(second.HasExited, second.Output);
        }

        var job = Assert.Single(ScheduleRows.Jobs(engine.Database, nightlyId));
        Assert.Equal(owed, job.ScheduledFor);
        Assert.Equal("schedule: Nightly", job.InitiatedBy);
        Assert.Equal("nightly-" + nightly.InZone(owed).ToString("yyyyMMdd", CultureInfo.InvariantCulture), job.ExportName);
        Assert.StartsWith($"Missed fire at {nightly.Describe(owed)} while the server was down; run at start-up.", job.Note);
        Assert.Contains($"{missedLater} later fires were missed too", job.Note);
        Assert.True(missedLater >= 2, $"expected at least two later missed fires, got {missedLater}");
        var next = ScheduleRows.NextFireAt(engine.Database, nightlyId);
        Assert.Equal(nightly.NextFireAfter(DateTime.UtcNow), next);
        Assert.Single(ScheduleRows.Jobs(engine.Database, soon));
    }

    /// <summary>The engine as the product runs it (Quartz hosted, workers and firer on), without the web, on the test's database.</summary>
    private async Task<IHost> StartHostAsync(string nodeId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTracker:StoragePath"] = engine.Folder.StoragePath,
            ["JobTracker:RunWorkers"] = "true",
            ["JobTracker:NodeId"] = nodeId,
            ["JobTracker:PollInterval"] = "00:00:00.200",
            ["JobTracker:ScheduleCheckInterval"] = "00:00:00.100",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(engine.Database);
        builder.AddJobTrackerEngine();
        var host = builder.Build();
        await host.StartAsync();
        return host;
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
            await Task.Delay(50);
        }
    }
}

/// <summary>Schedules written straight into export_schedules, and what the tests read back.</summary>
internal static class ScheduleRows
{
    public static long Insert(Database database, long collectionId, string name, string cron, string timeZone, string namePattern,
        int recordsPerFile = 1000, DateTime? nextFireAt = null, bool enabled = true)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>(database.Provider.InsertReturningId(
            "export_schedules",
            "collection_id, name, cron, time_zone, name_pattern, records_per_file, enabled, next_fire_at, created_by, created_at",
            "@collectionId, @name, @cron, @timeZone, @namePattern, @recordsPerFile, @enabled, @nextFireAt, 'tests', @now"), new { collectionId, name, cron, timeZone, namePattern, recordsPerFile, enabled, nextFireAt, now = DateTime.UtcNow });
    }

    public static List<JobRow> Jobs(Database database, long scheduleId)
    {
        using var connection = database.Open();
        return connection.Query<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE schedule_id = @scheduleId ORDER BY id", new { scheduleId }).AsList();
    }

    public static DateTime? NextFireAt(Database database, long scheduleId)
    {
        using var connection = database.Open();
        return connection.QuerySingle<DateTime?>("SELECT next_fire_at FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
    }

    public static void SetNextFireAt(Database database, long scheduleId, DateTime? nextFireAt)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE export_schedules SET next_fire_at = @nextFireAt WHERE id = @scheduleId", new { scheduleId, nextFireAt });
    }

    /// <summary>
    /// A Quartz expression that fires exactly once, at the whole second at or after <paramref name="atUtc"/>
    /// (its year named), and that instant in UTC.
    /// </summary>
    public static (DateTime FireAt, string Cron) OneShot(DateTime atUtc, TimeZoneInfo zone)
    {
        var fireAt = new DateTime(atUtc.Ticks - atUtc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc).AddSeconds(1);
        var local = TimeZoneInfo.ConvertTimeFromUtc(fireAt, zone);
        return (fireAt, string.Create(CultureInfo.InvariantCulture, $"{local.Second} {local.Minute} {local.Hour} {local.Day} {local.Month} ? {local.Year}"));
    }
}
