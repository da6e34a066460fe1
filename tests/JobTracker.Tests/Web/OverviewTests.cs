using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Engine;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// The overview (the home page after sign-in) over real HTTP: running and queued jobs of every
/// collection, failures of the last 24 hours, the next fires and the schedule watch's warnings; the
/// poll while a job runs, that ends with the watched jobs' final status; Workspaces in the top nav;
/// and a skipped fire and the skip option on the schedule's pages.
/// </summary>
public sealed class OverviewTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private static string Table(string page, string testId)
    {
        var match = Regex.Match(page, $"<table[^>]*data-testid=\"{testId}\".*?</table>", RegexOptions.Singleline);
        return match.Success ? match.Value : "";
    }

    private static List<(long Id, string Status)> Rows(string table) =>
        Html.Tags(table, "overview-job-row").Select(t => (long.Parse(Html.Attribute(t, "data-job-id")!, CultureInfo.InvariantCulture), Html.Attribute(t, "data-status")!)).ToList();

    [Fact]
    public async Task The_overview_shows_running_and_queued_jobs_recent_failures_next_fires_and_warnings_and_polls_until_they_end()
    {
        var name = "Overview " + Guid.NewGuid().ToString("N")[..6];
        var collectionId = app.CreateCollection(name);
        var running = app.InsertBlockingJob(collectionId);
        var queued = app.InsertJob(collectionId, Status.Queued, "waiting.csv", "ada");
        var failed = app.InsertJob(collectionId, Status.Failed, "broken.csv", "ada");
        var oldFailure = app.InsertJob(collectionId, Status.Failed, "last-week.csv", "ada");
        var completed = app.InsertJob(collectionId, Status.Completed, "fine.csv", "ada");
        var scheduleId = ScheduleRows.Insert(app.Database, collectionId, "Nightly", "0 0 2 * * ?", "Europe/Lisbon", "nightly-{yyyyMMdd}",
            nextFireAt: new DateTime(2099, 1, 2, 2, 0, 0, DateTimeKind.Utc));
        long failedExport;
        using (var connection = app.Database.Open())
        {
            connection.Execute("UPDATE jobs SET status_reason = 'The file is not UTF-8.' WHERE id = @failed", new { failed });
            connection.Execute("UPDATE jobs SET finished_at = @old WHERE id = @oldFailure", new { old = DateTime.UtcNow.AddDays(-2), oldFailure });
            var at = DateTime.UtcNow;
            failedExport = connection.ExecuteScalar<long>(app.Database.Provider.InsertReturningId(
                    "jobs",
                    "collection_id, job_type, file_name, export_name, status, status_reason, initiated_by, batch_size, created_at, started_at, finished_at, schedule_id, scheduled_for",
                    "@collectionId, 'Export', 'nightly', 'nightly', @Failed, 'The disk is full.', 'schedule: Nightly', 1000, @at, @at, @at, @scheduleId, @at"),
                new { collectionId, Failed = Status.Failed, at, scheduleId });
        }
        using var viewer = await app.SignInAsAsync(Roles.Viewer);

        using var home = await viewer.GetAsync("/");
        var page = await home.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("<h1>Overview</h1>", page);
        Assert.Contains("/Workspaces", Html.Tags(page, "workspaces-link").Single());

        var runningTable = Table(page, "running-jobs");
        var runningRows = Rows(runningTable);
        Assert.Contains((running, Status.InProgress), runningRows);
        Assert.Contains((queued, Status.Queued), runningRows);
        Assert.DoesNotContain(runningRows, r => r.Id == completed || r.Id == failed);
        Assert.True(runningRows.IndexOf((running, Status.InProgress)) < runningRows.IndexOf((queued, Status.Queued)), "the oldest job first");
        Assert.Contains($">{name}</a>", runningTable);
        Assert.Contains(">Acme Retail</a>", runningTable);
        Assert.Contains($"href=\"/Jobs/{queued}\"", runningTable);
        Assert.Contains($"href=\"/Collections/{collectionId}/Jobs\"", runningTable);

        var failures = Table(page, "failed-jobs");
        Assert.Contains((failed, Status.Failed), Rows(failures));
        Assert.Contains((failedExport, Status.Failed), Rows(failures));
        Assert.DoesNotContain(Rows(failures), r => r.Id == oldFailure);
        Assert.Contains("The file is not UTF-8.", failures);

        var fire = Html.Tags(page, "fire-row").Single(t => Html.Attribute(t, "data-schedule-id") == scheduleId.ToString(CultureInfo.InvariantCulture));
        Assert.NotNull(fire);
        Assert.Contains("2099-01-02 02:00 Europe/Lisbon", page);

        var warning = Html.Texts(page, "schedule-warning").Single(w => w.Contains(name));
        Assert.Contains($"The last run of Nightly (export job {failedExport}) ended FAILED at ", warning);
        Assert.EndsWith("The disk is full. View Details", warning);

        // While something runs, the overview polls itself, naming the jobs it shows.
        var overview = Html.Tags(page, "overview").Single();
        Assert.Equal("true", Html.Attribute(overview, "data-polling"));
        Assert.Equal("every 2s", Html.Attribute(overview, "hx-trigger"));
        var pollUrl = Html.Attribute(overview, "hx-get")!;
        Assert.Matches($"^/\\?seen=([0-9]+,)*{running},{queued}(,[0-9]+)*$", pollUrl);

        // Both end: the poll's answer shows them with their final status and polls no more.
        await app.StopJobAsync(queued);
        await app.StopJobAsync(running);
        using var poll = await JobTrackerApp.GetHtmxAsync(viewer, pollUrl);
        var partial = await poll.Content.ReadAsStringAsync();
        Assert.StartsWith("<section id=\"overview\"", partial.TrimStart());
        Assert.DoesNotContain("<html", partial);
        Assert.Contains("HX-Request", poll.Headers.Vary);
        Assert.Contains((running, Status.Canceled), Rows(Table(partial, "running-jobs")));
        Assert.Contains((queued, Status.Canceled), Rows(Table(partial, "running-jobs")));
        var ended = Html.Tags(partial, "overview").Single();
        Assert.Equal("false", Html.Attribute(ended, "data-polling"));
        Assert.Null(Html.Attribute(ended, "hx-trigger"));

        // A fresh page lists nothing running; the Workspaces page is one click away.
        var again = await viewer.GetStringAsync("/");
        Assert.DoesNotContain(Rows(Table(again, "running-jobs")), r => r.Id == running || r.Id == queued);
        var workspaces = await viewer.GetStringAsync("/Workspaces");
        Assert.Contains("Acme Retail", Html.Texts(workspaces, "workspace-link"));
    }

    [Fact]
    public async Task A_skipped_fire_shows_on_the_schedules_page_and_the_form_saves_the_skip_option()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{collectionId}/Schedules/Edit";
        var form = await admin.GetStringAsync(path);
        var checkbox = Html.Tags(form, "schedule-skip-while-unfinished").Single();
        Assert.NotNull(Html.Attribute(checkbox, "checked"));
        Assert.Contains("Skip a run while the previous export is unfinished", form);

        using var save = await admin.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Name"] = "Hourly",
            ["Input.Cron"] = "0 0 2 24-28 OCT ? 2099",
            ["Input.TimeZone"] = "UTC",
            ["Input.NamePattern"] = "hourly-{yyyyMMdd}",
            ["Input.RecordsPerFile"] = "1000",
            ["Input.Enabled"] = "true",
            ["Input.SkipWhileUnfinished"] = "false", // the unchecked box's hidden companion only
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        }));
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
        long scheduleId;
        using (var connection = app.Database.Open())
        {
            scheduleId = connection.ExecuteScalar<long>("SELECT id FROM export_schedules WHERE collection_id = @collectionId", new { collectionId });
            Assert.False(connection.ExecuteScalar<bool>("SELECT skip_while_unfinished FROM export_schedules WHERE id = @scheduleId", new { scheduleId }));
            // As the firer notes a skip (ScheduleWatchTests drive the firer itself).
            connection.Execute("UPDATE export_schedules SET last_skipped_at = @at, last_skip_reason = 'The previous export (job 7) was still IN PROGRESS.' WHERE id = @scheduleId",
                new { at = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc), scheduleId });
        }
        Assert.Null(Html.Attribute(Html.Tags(await admin.GetStringAsync($"{path}/{scheduleId}"), "schedule-skip-while-unfinished").Single(), "checked"));

        var schedules = await admin.GetStringAsync($"/Collections/{collectionId}/Schedules");
        Assert.Equal("skipped the fire at 2026-11-28 02:00:00 UTC: The previous export (job 7) was still IN PROGRESS.", Html.Text(schedules, "last-skipped"));
        Assert.Equal("fires even while its previous export runs", Html.Text(schedules, "runs-alongside"));
    }
}
