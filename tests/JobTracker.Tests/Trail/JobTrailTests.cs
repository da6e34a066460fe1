using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Schedules;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// Job actions the other trail tests leave out: Retry failed rows, Import for real and the batch-file and failed-rows
/// downloads (pages and API over real HTTP, one entry each by the admin from 127.0.0.1), and the schedule's own fires
/// in the running app (Scheduled fire and Skipped fire: by "schedule &lt;name&gt;", no user, no how, no address).
/// </summary>
public sealed class JobTrailTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    /// <summary>Two good rows and one whose amount is not a number: the import runs with errors.</summary>
    private const string WithErrors = "customerId,name,amount\nJ1,One,1\nJ2,Two,two\nJ3,Three,3\n";

    public static TheoryData<string> Actions =>
    [
        "page: retry failed rows", "page: import for real", "page: download batch file", "page: download failed rows", "api: download batch file",
    ];

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_job_action_leaves_exactly_one_entry_with_its_actor_job_and_address(string action)
    {
        using var trail = await TrailAdmin.SignInAsync(app);
        var (admin, api) = (trail.Pages, trail.Api);
        var collectionId = app.CreateCollection();
        var throughApi = action.StartsWith("api:", StringComparison.Ordinal);
        TrailEntry By(string what, long jobId, string label, string? detail = null) =>
            trail.Entry(throughApi, what, ActivityObjects.Job, jobId, label, jobId, detail);

        // The job the action needs, finished before the mark: only the action itself counts.
        long setupJob;
        if (action.Contains("batch file", StringComparison.Ordinal))
        {
            await app.WaitForStatusAsync(await app.UploadAsync(admin, collectionId, "source.csv", "customerId,name\nB1,Ada\nB2,Grace\n"), Status.Completed);
            using var export = await api.PostAsJsonAsync($"/api/v1/collections/{collectionId}/exports", new { exportName = "trail-batches", recordsPerFile = 1 });
            setupJob = (await ApiFixture.ReadAsync(export, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
            await app.WaitForStatusAsync(setupJob, Status.Completed);
        }
        else if (action == "page: import for real")
        {
            var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import");
            var body = new MultipartFormDataContent { { new StringContent("true"), "validate_only" } };
            body.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(WithErrors)), "file", "dry.csv");
            using (await JobTrackerApp.PostImportAsync(admin, collectionId, body, token)) { }
            setupJob = app.LastJobId(collectionId)!.Value;
            Assert.True((await app.WaitForStatusAsync(setupJob, Status.RanWithErrors)).DryRun);
        }
        else
        {
            setupJob = await app.UploadAsync(admin, collectionId, "errors.csv", WithErrors);
            await app.WaitForStatusAsync(setupJob, Status.RanWithErrors);
        }

        var mark = ActivityRow.Mark(app);
        TrailEntry expected;
        switch (action)
        {
            case "page: retry failed rows":
            {
                var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{setupJob}");
                var body = new MultipartFormDataContent();
                var file = new ByteArrayContent([]);
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"\"" };
                body.Add(file); // the file input left empty: the failed rows as they are
                var retryId = await PostForJobAsync(admin, $"/Jobs/{setupJob}/Retry", body, token);
                expected = By(ActivityActions.Retry, retryId, FailedRowsFile.FileName(setupJob, FileFormat.Csv), $"of job {setupJob}");
                break;
            }
            case "page: import for real":
            {
                var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{setupJob}");
                var realId = await PostForJobAsync(admin, $"/Jobs/{setupJob}/ImportForReal", new FormUrlEncodedContent([]), token);
                Assert.False(app.Job(realId).DryRun);
                expected = By(ActivityActions.ImportForReal, realId, "dry.csv", $"of dry run {setupJob}");
                break;
            }
            case "page: download batch file":
                await TrailRequests.AssertOkAsync(admin, $"/Jobs/{setupJob}/Batches/1/Download");
                expected = By(ActivityActions.DownloadBatchFile, setupJob, "trail-batches", "batch 1");
                break;
            case "api: download batch file":
                await TrailRequests.AssertOkAsync(api, $"/api/v1/jobs/{setupJob}/batches/1/file");
                expected = By(ActivityActions.DownloadBatchFile, setupJob, "trail-batches", "batch 1");
                break;
            case "page: download failed rows":
                await TrailRequests.AssertOkAsync(admin, $"/Jobs/{setupJob}/FailedRows");
                expected = By(ActivityActions.DownloadFailedRows, setupJob, "errors.csv");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "no such case");
        }
        expected.AssertOnlyEntryAfter(app, mark);
    }

    [Fact]
    public async Task A_due_fire_in_the_running_app_leaves_one_entry_by_the_schedule_on_the_job_it_queued()
    {
        var collectionId = app.CreateCollection();
        var name = "Fire " + Guid.NewGuid().ToString("N")[..6];
        var scheduleId = await CreateScheduleAsync(collectionId, name);

        var mark = ActivityRow.Mark(app);
        MakeDue(scheduleId);
        var job = app.Job(await WaitUntilAsync(() => ScheduleJobs(scheduleId).Cast<long?>().FirstOrDefault()));

        Assert.StartsWith("fire-", job.ExportName, StringComparison.Ordinal);
        new TrailEntry(ActivityActions.ScheduleFire, ActivityObjects.Job, job.Id, job.ExportName, job.Id, null, null, "schedule " + name, null, null)
            .AssertOnlyEntryAfter(app, mark);
    }

    [Fact]
    public async Task A_fire_skipped_behind_an_unfinished_export_leaves_one_entry_by_the_schedule_naming_that_job()
    {
        var collectionId = app.CreateCollection();
        var name = "Skip " + Guid.NewGuid().ToString("N")[..6];
        var scheduleId = await CreateScheduleAsync(collectionId, name);
        // An earlier export of the schedule, held IN PROGRESS by a worker of another process.
        var previous = app.InsertBlockingJob(collectionId);
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE jobs SET schedule_id = @scheduleId, scheduled_for = @earlier WHERE id = @previous",
                new { scheduleId, earlier = DateTime.UtcNow.AddDays(-1), previous });

        var mark = ActivityRow.Mark(app);
        MakeDue(scheduleId);
        await WaitUntilAsync(() =>
        {
            using var connection = app.Database.Open();
            return connection.ExecuteScalar<DateTime?>("SELECT last_skipped_at FROM export_schedules WHERE id = @scheduleId", new { scheduleId }) is null ? (long?)null : 1;
        });

        Assert.Equal([previous], ScheduleJobs(scheduleId));
        new TrailEntry(ActivityActions.ScheduleSkip, ActivityObjects.Schedule, scheduleId, name, previous,
                $"The previous export (job {previous}) was still {Status.InProgress}.", null, "schedule " + name, null, null)
            .AssertOnlyEntryAfter(app, mark);
    }

    private async Task<long> CreateScheduleAsync(long collectionId, string name) =>
        (await app.Services.GetRequiredService<ScheduleEditor>().SaveAsync(
            collectionId, null, new ScheduleSettings(name, TrailRequests.FarCron, "UTC", "fire-{yyyyMMdd-HHmmss}", 10, true), "test setup", DateTime.UtcNow)).Id;

    /// <summary>Moves the schedule's next fire to a second ago: the app's schedule firer (every second) takes it.</summary>
    private void MakeDue(long scheduleId)
    {
        using var connection = app.Database.Open();
        connection.Execute("UPDATE export_schedules SET next_fire_at = @due WHERE id = @scheduleId",
            new { due = DateTime.UtcNow.AddSeconds(-1), scheduleId });
    }

    private List<long> ScheduleJobs(long scheduleId)
    {
        using var connection = app.Database.Open();
        return connection.Query<long>("SELECT id FROM jobs WHERE schedule_id = @scheduleId ORDER BY id", new { scheduleId }).AsList();
    }

    private static async Task<long> WaitUntilAsync(Func<long?> found)
    {
        var deadline = DateTime.UtcNow + JobTrackerApp.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (found() is { } value) return value;
            await Task.Delay(100);
        }
        throw new TimeoutException("the schedule firer did not act in time");
    }

    /// <summary>POSTs a job button's request as htmx does (token in the header); returns the job the redirect names.</summary>
    private static async Task<long> PostForJobAsync(HttpClient client, string path, HttpContent body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/Jobs/", location, StringComparison.Ordinal);
        return long.Parse(location["/Jobs/".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
