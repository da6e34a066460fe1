using Dapper;
using JobTracker.Jobs;
using JobTracker.Jobs.Schedules;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>Saving, pausing, resuming and deleting export schedules through the service the pages and the API call, on a real SQLite file.</summary>
public sealed class ScheduleEditorTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private static ScheduleSettings Nightly(string? name = "Nightly", bool enabled = true) =>
        new(name, " 0 0 2 * * ? ", " Europe/Lisbon ", " nightly-{yyyyMMdd} ", 2_500, enabled);

    private (bool Enabled, DateTime? NextFireAt, string Cron, string TimeZone, string NamePattern) Row(long scheduleId)
    {
        using var connection = engine.Database.Open();
        return connection.QuerySingle<(bool, DateTime?, string, string, string)>(
            "SELECT enabled, next_fire_at, cron, time_zone, name_pattern FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
    }

    [Fact]
    public async Task Saves_a_trimmed_schedule_with_its_next_fire_or_none_while_paused()
    {
        var collection = engine.CreateCollection();

        var saved = await engine.Schedules.SaveAsync(collection, null, Nightly(" Nightly "), "admin", Now);
        var paused = await engine.Schedules.SaveAsync(collection, null, Nightly("Paused", enabled: false), "admin", Now);

        Assert.Equal("Nightly", saved.Name);
        Assert.Equal(new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc), saved.NextFireAt); // Lisbon is on UTC in November
        Assert.Equal((true, saved.NextFireAt, "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}"), Row(saved.Id));
        Assert.Null(paused.NextFireAt);
        Assert.Equal((false, (DateTime?)null), (Row(paused.Id).Enabled, Row(paused.Id).NextFireAt));
    }

    [Fact]
    public async Task Refuses_a_taken_name_ignoring_case_a_long_name_and_a_bad_definition_on_their_fields()
    {
        var collection = engine.CreateCollection("Customers");
        var nightly = await engine.Schedules.SaveAsync(collection, null, Nightly(), "admin", Now);

        var taken = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Schedules.SaveAsync(collection, null, Nightly("NIGHTLY"), "admin", Now));
        Assert.Equal(new InputProblem("Name", "Customers already has a schedule named \"NIGHTLY\"."), Assert.Single(taken.Problems));
        await engine.Schedules.SaveAsync(collection, nightly.Id, Nightly("NIGHTLY"), "admin", Now); // its own name, in another case

        var bad = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Schedules.SaveAsync(
            collection, null, new ScheduleSettings(new string('x', ScheduleEditor.MaxNameLength + 1), "0 0 2 * * ?", "Mars/Base", "n-{", 0, true), "admin", Now));
        Assert.Equal(["Name", "TimeZone", "RecordsPerFile", "NamePattern"], bad.Problems.Select(p => p.Field));
        Assert.Equal($"The schedule's name can have at most {ScheduleEditor.MaxNameLength} characters.", bad.Problems[0].Message);
        Assert.Equal(bad.Problems, await engine.Schedules.CheckAsync(
            collection, null, new ScheduleSettings(new string('x', ScheduleEditor.MaxNameLength + 1), "0 0 2 * * ?", "Mars/Base", "n-{", 0, true), Now));
    }

    [Fact]
    public async Task Pause_clears_the_next_fire_resume_sets_it_from_now_and_delete_keeps_the_jobs()
    {
        var collection = engine.CreateCollection();
        var other = engine.CreateCollection("Other");
        var saved = await engine.Schedules.SaveAsync(collection, null, Nightly(), "admin", Now);

        Assert.Null(await engine.Schedules.PauseAsync(other, saved.Id, "admin"));
        Assert.Equal("Nightly", await engine.Schedules.PauseAsync(collection, saved.Id, "admin"));
        Assert.Equal((false, (DateTime?)null), (Row(saved.Id).Enabled, Row(saved.Id).NextFireAt));

        var resumed = await engine.Schedules.ResumeAsync(collection, saved.Id, "admin");
        Assert.NotNull(resumed?.NextFireAt);
        Assert.True(resumed.NextFireAt > DateTime.UtcNow);
        Assert.Equal((true, resumed.NextFireAt), (Row(saved.Id).Enabled, Row(saved.Id).NextFireAt));

        var jobId = await engine.Exports.SubmitAsync(collection, "nightly-1", 10, "schedule: Nightly", saved.Id, Now);
        Assert.Null(await engine.Schedules.DeleteAsync(other, saved.Id, "admin"));
        Assert.Equal("Nightly", await engine.Schedules.DeleteAsync(collection, saved.Id, "admin"));
        using var connection = engine.Database.Open();
        Assert.Equal(0, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM export_schedules"));
        Assert.Null(connection.ExecuteScalar<long?>("SELECT schedule_id FROM jobs WHERE id = @jobId", new { jobId }));
    }

    [Fact]
    public async Task Resume_refuses_a_schedule_whose_zone_no_longer_reads()
    {
        var collection = engine.CreateCollection();
        var saved = await engine.Schedules.SaveAsync(collection, null, Nightly(enabled: false), "admin", Now);
        using (var connection = engine.Database.Open())
            connection.Execute("UPDATE export_schedules SET time_zone = 'Gone/Zone' WHERE id = @Id", new { saved.Id });

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Schedules.ResumeAsync(collection, saved.Id, "admin"));

        Assert.StartsWith("The schedule Nightly cannot fire: ", refused.Message);
        Assert.EndsWith(" Edit it to fix it.", refused.Message);
        Assert.False(Row(saved.Id).Enabled);
    }
}
