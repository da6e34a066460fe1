using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Schedules;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The schedule watch (a last run that did not end COMPLETED, a missed fire, a skipped fire) and the
/// firer skipping a fire while the schedule's previous export is unfinished, on the suite's database.
/// </summary>
public sealed class ScheduleWatchTests : IDisposable
{
    private readonly EngineHost engine = new();
    private readonly ServiceProvider services;

    public ScheduleWatchTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTracker:StoragePath"] = engine.Folder.StoragePath,
            ["JobTracker:RunWorkers"] = "false",
            ["JobTracker:NodeId"] = "watch-tests",
            ["JobTracker:ScheduleWatchGrace"] = "00:05:00",
        }).Build();
        services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(Logs))
            .AddSingleton(engine.Database)
            .AddJobTrackerEngine(configuration)
            .BuildServiceProvider();
    }

    private CapturedLogs Logs { get; } = new();
    private ScheduleFirer Firer => services.GetRequiredService<ScheduleFirer>();
    private ScheduleWatch Watch => services.GetRequiredService<ScheduleWatch>();

    public void Dispose()
    {
        services.Dispose();
        engine.Dispose();
    }

    [Fact]
    public async Task A_last_fire_that_failed_is_a_warning_until_a_later_run_completes()
    {
        var collection = engine.CreateCollection("Orders");
        var now = DateTime.UtcNow;
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}", nextFireAt: now.AddHours(10));
        var quiet = ScheduleRows.Insert(engine.Database, collection, "Quiet", "0 0 3 * * ?", "UTC", "quiet-{yyyyMMdd}", nextFireAt: now.AddHours(11));
        var failedAt = now.AddHours(-3);
        var failed = InsertScheduledJob(scheduleId, collection, Status.Failed, failedAt, "The collection could not be read: the database stayed busy.");

        var warning = Assert.Single(await Watch.WarningsAsync(now));
        Assert.Equal(ScheduleWarningKind.LastRunNotCompleted, warning.Kind);
        Assert.Equal(scheduleId, warning.ScheduleId);
        Assert.Equal("Nightly", warning.ScheduleName);
        Assert.Equal("Orders", warning.CollectionName);
        Assert.Equal("Tests", warning.WorkspaceName);
        Assert.Equal(failed, warning.JobId);
        var lisbon = ScheduleDefinition.Read("0 0 2 * * ?", "Europe/Lisbon", "x", 1);
        Assert.Equal(
            $"The last run of Nightly (export job {failed}) ended FAILED at {lisbon.Describe(failedAt)}. The collection could not be read: the database stayed busy.",
            warning.Message);
        Assert.DoesNotContain(await Watch.WarningsAsync(now), w => w.ScheduleId == quiet);

        // A later run still unfinished does not clear it; one that completed does.
        var running = InsertScheduledJob(scheduleId, collection, Status.InProgress, null, null);
        Assert.Equal(failed, Assert.Single(await Watch.WarningsAsync(now)).JobId);
        FinishJob(running, Status.Completed);
        Assert.Empty(await Watch.WarningsAsync(now));

        // A canceled last run is a warning too.
        var canceled = InsertScheduledJob(scheduleId, collection, Status.Canceled, now, null);
        Assert.Contains($"(export job {canceled}) ended CANCELED", Assert.Single(await Watch.WarningsAsync(now)).Message);
    }

    [Fact]
    public async Task A_fire_overdue_by_more_than_the_grace_period_is_a_missed_fire_and_a_paused_schedule_never_is()
    {
        var collection = engine.CreateCollection("Invoices");
        var now = new DateTime(2026, 11, 28, 2, 30, 0, DateTimeKind.Utc);
        var missed = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "UTC", "n-{yyyyMMdd}", nextFireAt: now.AddMinutes(-30));
        ScheduleRows.Insert(engine.Database, collection, "Within grace", "0 27 2 * * ?", "UTC", "g-{yyyyMMdd}", nextFireAt: now.AddMinutes(-3));
        ScheduleRows.Insert(engine.Database, collection, "Paused", "0 0 1 * * ?", "UTC", "p-{yyyyMMdd}", nextFireAt: now.AddHours(-2), enabled: false);

        var warning = Assert.Single(await Watch.WarningsAsync(now));
        Assert.Equal(ScheduleWarningKind.Missed, warning.Kind);
        Assert.Equal(missed, warning.ScheduleId);
        Assert.Equal("Nightly has not run: its fire at 2026-11-28 02:00 UTC is 30 minutes overdue. No node is firing schedules (are the workers running?).", warning.Message);
        Assert.Equal(now.AddMinutes(-30), warning.At);

        // Once something fires it (and the one within grace), the warning is gone.
        Assert.Equal(2, await Firer.FireDueAsync(now));
        Assert.Empty(await Watch.WarningsAsync(now));
    }

    [Fact]
    public async Task A_fire_while_the_previous_export_is_still_running_is_skipped_and_noted_and_the_next_one_runs()
    {
        var collection = engine.CreateCollection("Customers");
        var due = DateTime.UtcNow.AddMinutes(-1);
        due = due.AddTicks(-(due.Ticks % TimeSpan.TicksPerSecond));
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Every minute", "0 * * * * ?", "UTC", "m-{yyyyMMdd-HHmm}", nextFireAt: due);

        Assert.Equal(1, await Firer.FireDueAsync(due.AddSeconds(1)));
        var first = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        // A worker takes the export and is still at it (a long export) when the next fire comes.
        Assert.Equal(first.Id, await engine.Runner.ClaimNextJobAsync());
        Assert.Equal(Status.InProgress, engine.Job(first.Id).Status);
        var next = ScheduleRows.NextFireAt(engine.Database, scheduleId)!.Value;

        Assert.Equal(0, await Firer.FireDueAsync(next.AddSeconds(1)));

        Assert.Equal([first.Id], ScheduleRows.Jobs(engine.Database, scheduleId).Select(j => j.Id));
        var (skippedAt, reason) = LastSkip(scheduleId);
        Assert.Equal(next, skippedAt);
        Assert.Equal($"The previous export (job {first.Id}) was still IN PROGRESS.", reason);
        Assert.Equal(next.AddMinutes(1), ScheduleRows.NextFireAt(engine.Database, scheduleId));
        Assert.Contains(Logs.Lines, line => line.Contains($"skipped its fire for {next:yyyy-MM-dd HH:mm} UTC") && line.Contains(reason!));
        var warning = Assert.Single(await Watch.WarningsAsync(next.AddSeconds(2)));
        Assert.Equal(ScheduleWarningKind.Skipped, warning.Kind);
        Assert.Equal($"Every minute skipped its fire at {next:yyyy-MM-dd HH:mm} UTC: {reason} It has not run since.", warning.Message);

        // The export finishes: the fire after runs, and the skip is no longer a warning.
        await engine.Runner.RunJobAsync(first.Id, CancellationToken.None);
        Assert.Equal(Status.Completed, engine.Job(first.Id).Status);
        Assert.Equal(1, await Firer.FireDueAsync(next.AddMinutes(1).AddSeconds(1)));
        Assert.Equal(2, ScheduleRows.Jobs(engine.Database, scheduleId).Count);
        Assert.Empty(await Watch.WarningsAsync(next.AddMinutes(1).AddSeconds(2)));
    }

    [Fact]
    public async Task With_skipping_off_a_fire_while_the_previous_export_runs_queues_a_second_job()
    {
        var collection = engine.CreateCollection("Customers");
        var due = DateTime.UtcNow.AddMinutes(-1);
        due = due.AddTicks(-(due.Ticks % TimeSpan.TicksPerSecond));
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Every minute", "0 * * * * ?", "UTC", "m-{yyyyMMdd-HHmm}", nextFireAt: due);
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE export_schedules SET skip_while_unfinished = @Skip WHERE id = @scheduleId", new { Skip = false, scheduleId });

        Assert.Equal(1, await Firer.FireDueAsync(due.AddSeconds(1)));
        var first = Assert.Single(ScheduleRows.Jobs(engine.Database, scheduleId));
        Assert.Equal(first.Id, await engine.Runner.ClaimNextJobAsync());
        var next = ScheduleRows.NextFireAt(engine.Database, scheduleId)!.Value;

        Assert.Equal(1, await Firer.FireDueAsync(next.AddSeconds(1)));

        var jobs = ScheduleRows.Jobs(engine.Database, scheduleId);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(next, jobs[1].ScheduledFor);
        Assert.Equal(Status.Queued, jobs[1].Status);
        Assert.Null(LastSkip(scheduleId).SkippedAt);
    }

    [Fact]
    public async Task The_schedule_editor_saves_the_skip_setting()
    {
        var collection = engine.CreateCollection("Customers");
        var saved = await engine.Schedules.SaveAsync(collection, null,
            new ScheduleSettings("Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", 1000, true, SkipWhileUnfinished: false), "ada", DateTime.UtcNow);
        Assert.False(StoredSkip(saved.Id));
        await engine.Schedules.SaveAsync(collection, saved.Id,
            new ScheduleSettings("Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", 1000, true), "ada", DateTime.UtcNow);
        Assert.True(StoredSkip(saved.Id));
    }

    private long InsertScheduledJob(long scheduleId, long collectionId, string status, DateTime? finishedAt, string? reason)
    {
        using var connection = engine.Database.Open();
        var at = finishedAt ?? DateTime.UtcNow;
        return connection.ExecuteScalar<long>(engine.Database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, export_name, status, status_reason, initiated_by, batch_size, created_at, started_at, finished_at, schedule_id, scheduled_for",
                "@collectionId, 'Export', 'nightly', 'nightly', @status, @reason, 'schedule: Nightly', 1000, @created, @created, @finishedAt, @scheduleId, @created"),
            new { collectionId, status, reason, created = at.AddMinutes(-1).AddTicks(Random.Shared.Next(1, 1000) * TimeSpan.TicksPerMillisecond), finishedAt, scheduleId });
    }

    private void FinishJob(long jobId, string status)
    {
        using var connection = engine.Database.Open();
        connection.Execute("UPDATE jobs SET status = @status, finished_at = @now WHERE id = @jobId", new { status, now = DateTime.UtcNow, jobId });
    }

    private (DateTime? SkippedAt, string? Reason) LastSkip(long scheduleId)
    {
        using var connection = engine.Database.Open();
        return (connection.ExecuteScalar<DateTime?>("SELECT last_skipped_at FROM export_schedules WHERE id = @scheduleId", new { scheduleId }),
            connection.ExecuteScalar<string?>("SELECT last_skip_reason FROM export_schedules WHERE id = @scheduleId", new { scheduleId }));
    }

    private bool StoredSkip(long scheduleId)
    {
        using var connection = engine.Database.Open();
        return connection.ExecuteScalar<bool>("SELECT skip_while_unfinished FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
    }
}
