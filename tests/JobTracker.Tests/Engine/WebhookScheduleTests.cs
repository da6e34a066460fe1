using System.Text.Json;
using Dapper;
using JobTracker.Jobs;
using JobTracker.Jobs.Webhooks;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobTracker.Tests.Engine;

/// <summary>
/// schedule.missed: a schedule watch warning is sent to a real local receiver once, not at every check of the
/// sender, and a new warning of the same schedule is sent again.
/// </summary>
public sealed class WebhookScheduleTests : IAsyncDisposable
{
    private readonly EngineHost engine = new();
    private readonly ServiceProvider services;

    public WebhookScheduleTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTracker:StoragePath"] = engine.Folder.StoragePath,
            ["JobTracker:RunWorkers"] = "false",
            ["JobTracker:NodeId"] = "webhook-schedule-tests",
            ["JobTracker:ScheduleWatchGrace"] = "00:05:00",
        }).Build();
        services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(engine.Database)
            .AddJobTrackerEngine(configuration)
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        engine.Dispose();
    }

    [Fact]
    public async Task A_missed_schedule_is_sent_as_schedule_missed_once_and_a_later_miss_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var administration = services.GetRequiredService<WebhookAdministration>();
        var sender = services.GetRequiredService<WebhookSender>();
        var (_, secret) = await administration.AddAsync(receiver.Url, null, [WebhookEvents.ScheduleMissed], "tests");
        // An endpoint that does not ask for schedule.missed gets nothing.
        await using var other = await WebhookReceiver.StartAsync();
        await administration.AddAsync(other.Url, null, [WebhookEvents.JobFinished], "tests");

        var collection = engine.CreateCollection("Invoices");
        var due = DateTime.UtcNow.AddMinutes(-30);
        due = due.AddTicks(-(due.Ticks % TimeSpan.TicksPerSecond));
        var scheduleId = ScheduleRows.Insert(engine.Database, collection, "Nightly", "0 0 2 * * ?", "UTC", "n-{yyyyMMdd}", nextFireAt: due);

        Assert.Equal(1, await sender.RunAsync());
        Assert.Equal(0, await sender.RunAsync());
        Assert.Equal(0, await sender.RunAsync());

        var request = Assert.Single(receiver.All);
        Assert.Equal(WebhookEvents.ScheduleMissed, request.Event);
        Assert.True(WebhookSignature.Verify(secret, request.Signature, request.Body));
        using (var body = JsonDocument.Parse(request.Body))
        {
            Assert.Equal(scheduleId, body.RootElement.GetProperty("scheduleId").GetInt64());
            Assert.Equal("Nightly", body.RootElement.GetProperty("schedule").GetString());
            Assert.Equal("Missed", body.RootElement.GetProperty("warning").GetString());
            Assert.Equal("Invoices", body.RootElement.GetProperty("collection").GetString());
            Assert.Contains("Nightly has not run", body.RootElement.GetProperty("reason").GetString());
        }
        Assert.Empty(other.All);

        // The next fire is missed too: a new warning (another fire time), sent once more.
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE export_schedules SET next_fire_at = @next WHERE id = @scheduleId", new { next = due.AddMinutes(10), scheduleId });
        Assert.Equal(1, await sender.RunAsync());
        Assert.Equal(0, await sender.RunAsync());
        Assert.Equal(2, receiver.All.Count);
    }
}
