using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;

namespace JobTracker.Tests.Api;

/// <summary>Export schedules through the API: create, read, edit, pause, resume, run now and delete, checked as the form checks them.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiScheduleTests(ApiFixture fixture)
{
    [Fact]
    public async Task An_admin_creates_reads_edits_pauses_resumes_runs_and_deletes_a_schedule()
    {
        var collectionId = fixture.App.CreateCollection();
        using var admin = fixture.Client(Roles.Admin);
        var url = $"/api/v1/collections/{collectionId}/schedules";

        using var created = await admin.PostAsJsonAsync(url, new { name = "Nightly", cron = "0 0 2 * * ?", timeZone = "Europe/Paris", namePattern = "nightly-{yyyyMMdd}", recordsPerFile = 500 });
        var schedule = await ApiFixture.ReadAsync(created, HttpStatusCode.Created);
        var id = schedule.GetProperty("id").GetInt64();
        Assert.Equal($"{url}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("Europe/Paris", schedule.GetProperty("timeZone").GetString());
        Assert.True(schedule.GetProperty("enabled").GetBoolean());
        var fires = schedule.GetProperty("nextFires").EnumerateArray().Select(f => f.GetDateTimeOffset()).ToList();
        Assert.Equal(3, fires.Count);
        Assert.All(fires, fire => Assert.Equal((2, 0), (fire.Hour, fire.Minute)));
        Assert.StartsWith("nightly-", schedule.GetProperty("nextExportName").GetString());

        using var viewer = fixture.Client(Roles.Viewer);
        var listed = await viewer.GetFromJsonAsync<JsonElement>(url);
        Assert.Equal(["Nightly"], listed.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(500, (await viewer.GetFromJsonAsync<JsonElement>($"{url}/{id}")).GetProperty("recordsPerFile").GetInt32());

        var edited = await ApiFixture.ReadAsync(await admin.PutAsJsonAsync($"{url}/{id}", new { cron = "0 30 3 * * ?" }), HttpStatusCode.OK);
        Assert.Equal("0 30 3 * * ?", edited.GetProperty("cron").GetString());
        Assert.Equal("Nightly", edited.GetProperty("name").GetString());
        Assert.Equal(500, edited.GetProperty("recordsPerFile").GetInt32());

        var paused = await ApiFixture.ReadAsync(await admin.PostAsync($"{url}/{id}/pause", null), HttpStatusCode.OK);
        Assert.False(paused.GetProperty("enabled").GetBoolean());
        Assert.Empty(paused.GetProperty("nextFires").EnumerateArray());
        var resumed = await ApiFixture.ReadAsync(await admin.PostAsync($"{url}/{id}/resume", null), HttpStatusCode.OK);
        Assert.True(resumed.GetProperty("enabled").GetBoolean());

        using var run = await admin.PostAsync($"{url}/{id}/run", null);
        var job = await ApiFixture.ReadAsync(run, HttpStatusCode.Accepted);
        var jobId = job.GetProperty("id").GetInt64();
        var finished = await ApiFixture.WaitForJobAsync(admin, jobId);
        Assert.Equal(Status.Completed, finished.GetProperty("status").GetString());
        Assert.Equal(ScheduleFirer.InitiatedBy("Nightly"), finished.GetProperty("initiatedBy").GetString());
        var lastRun = (await admin.GetFromJsonAsync<JsonElement>($"{url}/{id}")).GetProperty("lastRun");
        Assert.Equal(jobId, lastRun.GetProperty("jobId").GetInt64());

        using var deleted = await admin.DeleteAsync($"{url}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ApiFixture.AssertProblemAsync(await admin.GetAsync($"{url}/{id}"), 404, $"has no export schedule with id {id}");
        await ApiFixture.AssertProblemAsync(await admin.DeleteAsync($"{url}/{id}"), 404);
        Assert.Equal(Status.Completed, fixture.App.Job(jobId).Status);
    }

    [Fact]
    public async Task A_schedule_the_form_would_refuse_is_a_400_problem_with_each_field_under_errors()
    {
        var collectionId = fixture.App.CreateCollection();
        using var admin = fixture.Client(Roles.Admin);
        var url = $"/api/v1/collections/{collectionId}/schedules";
        await ApiFixture.ReadAsync(await admin.PostAsJsonAsync(url, new { name = "Nightly" }), HttpStatusCode.Created);

        var problem = await ApiFixture.AssertProblemAsync(
            await admin.PostAsJsonAsync(url, new { name = "Nightly", cron = "every night", timeZone = "Mars/Olympus" }), 400, "already has a schedule named \"Nightly\"");

        var errors = problem.GetProperty("errors");
        Assert.Contains("already has a schedule named", errors.GetProperty("name")[0].GetString());
        Assert.True(errors.TryGetProperty("cron", out _), problem.ToString());
        Assert.True(errors.TryGetProperty("timeZone", out _), problem.ToString());
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>(url)).EnumerateArray());
        await ApiFixture.AssertProblemAsync(await admin.PostAsJsonAsync(url, new { cron = "0 0 2 * * ?" }), 400, "Give the schedule a name");
        await ApiFixture.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/collections/987654/schedules", new { name = "x" }), 404, "no record collection");
    }
}
