using System.Net;
using System.Net.Http.Json;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// Each action, through the pages or the API over real HTTP, leaves exactly one activity entry (besides the worker's
/// "Job finished" when a job it started ends) with the right actor, how, action, object, job and client address.
/// </summary>
public sealed class ActivityTrailTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private const string Csv = "customerId,name\nT1,Ada\nT2,Grace\n";

    public static TheoryData<string> Actions =>
    [
        "page: submit import", "page: submit dry run", "page: stop job", "page: download audit log", "page: download audit log of a batch",
        "page: download original file", "page: create workspace", "page: rename workspace", "page: sign out",
        "api: submit import", "api: submit export", "api: stop job", "api: download audit log", "api: download original file",
        "api: download archive", "api: create schedule", "api: pause schedule", "api: delete schedule",
    ];

    private async Task<long> FinishedImportAsync()
    {
        using var admin = await app.SignInAsync();
        var jobId = await app.UploadAsync(admin, app.CreateCollection(), "finished.csv", Csv);
        await app.WaitUntilFinishedAsync(jobId);
        return jobId;
    }

    private async Task<long> FinishedExportAsync(HttpClient api, long collectionId)
    {
        using var export = await api.PostAsJsonAsync($"/api/v1/collections/{collectionId}/exports", new { exportName = "trail-export", recordsPerFile = 1 });
        var jobId = (await ApiFixture.ReadAsync(export, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        await app.WaitUntilFinishedAsync(jobId);
        return jobId;
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_action_leaves_exactly_one_entry_with_its_actor_object_job_and_address(string action)
    {
        using var trail = await TrailAdmin.SignInAsync(app);
        var (admin, api, apiVia) = (trail.Pages, trail.Api, trail.ApiVia);
        var collectionId = app.CreateCollection();

        // Setting up what the action needs, before the mark: only the action itself counts.
        long? setupJob = null;
        long? setupSchedule = null;
        string? setupLabel = null;
        switch (action)
        {
            case "page: stop job" or "api: stop job":
                setupJob = app.InsertBlockingJob(collectionId);
                setupLabel = "held-elsewhere.csv";
                break;
            case "page: download audit log" or "page: download audit log of a batch" or "page: download original file"
                or "api: download audit log" or "api: download original file":
                setupJob = await FinishedImportAsync();
                setupLabel = "finished.csv";
                break;
            case "api: download archive":
                await app.UploadAsync(admin, collectionId, "source.csv", Csv).ContinueWith(t => app.WaitUntilFinishedAsync(t.Result)).Unwrap();
                setupJob = await FinishedExportAsync(api, collectionId);
                setupLabel = "trail-export";
                break;
            case "page: rename workspace":
                setupLabel = "Trail " + Guid.NewGuid().ToString("N")[..6];
                await PostWorkspaceAsync(admin, "/Workspaces/New", setupLabel);
                break;
            case "api: pause schedule" or "api: delete schedule":
                using (var created = await api.PostAsJsonAsync($"/api/v1/collections/{collectionId}/schedules",
                           new { name = "Trail", cron = "0 0 2 * * ?", timeZone = "UTC", namePattern = "trail-{yyyyMMdd}", recordsPerFile = 10 }))
                    setupSchedule = (await ApiFixture.ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt64();
                break;
        }

        var mark = ActivityRow.Mark(app);
        string expectedAction, kind, via = ActivityActor.Console, label;
        long? objectId, jobId;
        string? detail = null;
        switch (action)
        {
            case "page: submit import":
            case "page: submit dry run":
            {
                var dryRun = action.EndsWith("dry run", StringComparison.Ordinal);
                var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import");
                var body = new MultipartFormDataContent();
                if (dryRun) body.Add(new StringContent("true"), "validate_only");
                body.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Csv)), "file", "page.csv");
                using var response = await JobTrackerApp.PostImportAsync(admin, collectionId, body, token);
                Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}");
                jobId = objectId = app.LastJobId(collectionId);
                (expectedAction, kind, label) = (dryRun ? ActivityActions.SubmitDryRun : ActivityActions.SubmitImport, ActivityObjects.Job, "page.csv");
                break;
            }
            case "page: stop job":
            {
                var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{setupJob}");
                using var response = await JobTrackerApp.PostStopAsync(admin, setupJob!.Value, token);
                Assert.Equal(Status.Canceled, app.Job(setupJob.Value).Status);
                (expectedAction, kind, label, objectId, jobId, detail) = (ActivityActions.StopJob, ActivityObjects.Job, setupLabel!, setupJob, setupJob, Status.Canceled);
                break;
            }
            case "page: download audit log":
                await TrailRequests.AssertOkAsync(admin, $"/Jobs/{setupJob}/AuditLog");
                (expectedAction, kind, label, objectId, jobId) = (ActivityActions.DownloadAuditLog, ActivityObjects.Job, setupLabel!, setupJob, setupJob);
                break;
            case "page: download audit log of a batch":
                await TrailRequests.AssertOkAsync(admin, $"/Jobs/{setupJob}/AuditLog/0");
                (expectedAction, kind, label, objectId, jobId, detail) = (ActivityActions.DownloadAuditLog, ActivityObjects.Job, setupLabel!, setupJob, setupJob, "batch 0");
                break;
            case "page: download original file":
                await TrailRequests.AssertOkAsync(admin, $"/Jobs/{setupJob}/File");
                (expectedAction, kind, label, objectId, jobId) = (ActivityActions.DownloadOriginal, ActivityObjects.Job, setupLabel!, setupJob, setupJob);
                break;
            case "page: create workspace":
            {
                label = "Trail " + Guid.NewGuid().ToString("N")[..6];
                await PostWorkspaceAsync(admin, "/Workspaces/New", label);
                (expectedAction, kind, objectId, jobId) = (ActivityActions.WorkspaceCreate, ActivityObjects.Workspace, app.WorkspaceId(label), null);
                break;
            }
            case "page: rename workspace":
            {
                var id = app.WorkspaceId(setupLabel!);
                label = setupLabel + " renamed";
                await PostWorkspaceAsync(admin, $"/Workspaces/{id}/Edit", label);
                (expectedAction, kind, objectId, jobId) = (ActivityActions.WorkspaceEdit, ActivityObjects.Workspace, id, null);
                break;
            }
            case "page: sign out":
            {
                var token = await JobTrackerApp.RequestTokenAsync(admin);
                using var response = await admin.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                (expectedAction, kind, label, objectId, jobId) = (ActivityActions.SignOut, ActivityObjects.User, JobTrackerApp.AdminUser, trail.Id, null);
                break;
            }
            case "api: submit import":
                jobId = objectId = await ApiFixture.ImportAsync(api, collectionId, "api.csv", Csv);
                (expectedAction, kind, label, via) = (ActivityActions.SubmitImport, ActivityObjects.Job, "api.csv", apiVia);
                break;
            case "api: submit export":
            {
                using var export = await api.PostAsJsonAsync($"/api/v1/collections/{collectionId}/exports", new { exportName = "api-export", recordsPerFile = 5 });
                jobId = objectId = (await ApiFixture.ReadAsync(export, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
                (expectedAction, kind, label, via) = (ActivityActions.SubmitExport, ActivityObjects.Job, "api-export", apiVia);
                break;
            }
            case "api: stop job":
            {
                using var stopped = await api.PostAsync($"/api/v1/jobs/{setupJob}/stop", null);
                Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
                (expectedAction, kind, label, objectId, jobId, via, detail) = (ActivityActions.StopJob, ActivityObjects.Job, setupLabel!, setupJob, setupJob, apiVia, Status.Canceled);
                break;
            }
            case "api: download audit log":
                await TrailRequests.AssertOkAsync(api, $"/api/v1/jobs/{setupJob}/audit-log");
                (expectedAction, kind, label, objectId, jobId, via) = (ActivityActions.DownloadAuditLog, ActivityObjects.Job, setupLabel!, setupJob, setupJob, apiVia);
                break;
            case "api: download original file":
                await TrailRequests.AssertOkAsync(api, $"/api/v1/jobs/{setupJob}/file");
                (expectedAction, kind, label, objectId, jobId, via) = (ActivityActions.DownloadOriginal, ActivityObjects.Job, setupLabel!, setupJob, setupJob, apiVia);
                break;
            case "api: download archive":
                await TrailRequests.AssertOkAsync(api, $"/api/v1/jobs/{setupJob}/archive");
                (expectedAction, kind, label, objectId, jobId, via) = (ActivityActions.DownloadArchive, ActivityObjects.Job, setupLabel!, setupJob, setupJob, apiVia);
                break;
            case "api: create schedule":
            {
                using var created = await api.PostAsJsonAsync($"/api/v1/collections/{collectionId}/schedules",
                    new { name = "Nightly", cron = "0 0 2 * * ?", timeZone = "UTC", namePattern = "nightly-{yyyyMMdd}", recordsPerFile = 10 });
                objectId = (await ApiFixture.ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetInt64();
                (expectedAction, kind, label, jobId, via, detail) = (ActivityActions.ScheduleCreate, ActivityObjects.Schedule, "Nightly", null, apiVia, "0 0 2 * * ? in UTC");
                break;
            }
            case "api: pause schedule":
                await ApiFixture.ReadAsync(await api.PostAsync($"/api/v1/collections/{collectionId}/schedules/{setupSchedule}/pause", null), HttpStatusCode.OK);
                (expectedAction, kind, label, objectId, jobId, via) = (ActivityActions.SchedulePause, ActivityObjects.Schedule, "Trail", setupSchedule, null, apiVia);
                break;
            case "api: delete schedule":
            {
                using var deleted = await api.DeleteAsync($"/api/v1/collections/{collectionId}/schedules/{setupSchedule}");
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
                (expectedAction, kind, label, objectId, jobId, via) = (ActivityActions.ScheduleDelete, ActivityObjects.Schedule, "Trail", setupSchedule, null, apiVia);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "no such case");
        }

        // The worker's end of a job the action queued is its own entry; anything else is the action's.
        new TrailEntry(expectedAction, kind, objectId, label, jobId, detail, trail.Id, JobTrackerApp.AdminUser, via, TrailEntry.Loopback)
            .AssertOnlyEntryAfter(app, mark);
    }

    [Fact]
    public async Task A_job_that_ends_gets_the_workers_entry_with_its_final_status_once()
    {
        using var admin = await app.SignInAsync();
        var collectionId = app.CreateCollection();
        var jobId = await app.UploadAsync(admin, collectionId, "ends.csv", Csv);
        var job = await app.WaitUntilFinishedAsync(jobId);

        var finished = ActivityRow.OfJob(app, jobId).Where(e => e.Action == ActivityActions.JobFinished).ToList();
        var entry = Assert.Single(finished);
        Assert.Equal((null, "worker", null, ActivityObjects.Job, jobId, "ends.csv", job.Status, (string?)null),
            (entry.ActorUserId, entry.ActorName, entry.Via, entry.ObjectKind, entry.ObjectId, entry.ObjectLabel, entry.Detail, entry.ClientAddress));
        Assert.Equal(Status.Completed, entry.Detail);
    }

    [Fact]
    public async Task A_failed_sign_in_is_recorded_for_a_known_and_an_unknown_user_name_and_a_sign_in_once()
    {
        var userName = app.CreateUser(Roles.Viewer);
        var mark = ActivityRow.Mark(app);
        using (var client = app.CreateBrowserLikeClient())
        {
            using var wrong = await JobTrackerApp.PostSignInAsync(client, userName, "not the password");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            using var unknown = await JobTrackerApp.PostSignInAsync(client, "nobody-" + Guid.NewGuid().ToString("N")[..6], "whatever");
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        }
        using (await app.SignInAsync(userName)) { }

        var entries = ActivityRow.After(app, mark);
        var userId = ApiFixture.UserId(app, userName);
        Assert.Equal([ActivityActions.SignInFailed, ActivityActions.SignInFailed, ActivityActions.SignIn], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(TrailEntry.Loopback, e.ClientAddress));
        Assert.All(entries, e => Assert.Equal(ActivityActor.Console, e.Via));
        Assert.Equal((null, userName, ActivityObjects.User, (long?)userId, "wrong password"),
            (entries[0].ActorUserId, entries[0].ActorName, entries[0].ObjectKind, entries[0].ObjectId, entries[0].Detail));
        Assert.Equal((null, (long?)null, "unknown user name"), (entries[1].ActorUserId, entries[1].ObjectId, entries[1].Detail));
        Assert.Equal(((long?)userId, userName, (long?)userId), (entries[2].ActorUserId, entries[2].ActorName, entries[2].ObjectId));
    }

    private static Task PostWorkspaceAsync(HttpClient admin, string path, string name) =>
        TrailRequests.PostFormRedirectAsync(admin, path, new() { ["Input.Name"] = name });
}
