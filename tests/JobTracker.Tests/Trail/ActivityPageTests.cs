using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// The admin Activity page (filters, keyset paging, htmx partial), GET /api/v1/activity with the same filters, Job
/// Details' Activity section, and who may see them.
/// </summary>
public sealed class ActivityPageTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    /// <summary>Job ids no real job of the app has: the made-up entries below point at them.</summary>
    private const long FakeJobs = 900_000;

    /// <summary>Entries written through the service, as a state change would, by a made-up actor unique to the test.</summary>
    private async Task<string> RecordAsync(int count, string action, long? jobId = null)
    {
        var who = "actor-" + Guid.NewGuid().ToString("N")[..8];
        var trail = app.Services.GetRequiredService<ActivityTrail>();
        for (var i = 0; i < count; i++)
            await trail.RecordAsync(ActivityActor.InConsole(null, who, "10.0.0.7"), action, ActivityObjects.Job, jobId ?? FakeJobs + i, $"file-{i}.csv", jobId ?? FakeJobs + i);
        return who;
    }

    private static List<long> RowIds(string html) =>
        Html.Tags(html, "activity-row").Select(t => long.Parse(Html.Attribute(t, "data-activity-id")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static List<string> RowActions(string html) =>
        Html.Tags(html, "activity-row").Select(t => Html.Attribute(t, "data-action")!).ToList();

    [Fact]
    public async Task The_page_filters_by_who_action_and_job_and_pages_newest_first_by_keyset()
    {
        var who = await RecordAsync(60, ActivityActions.DownloadArchive);
        var other = await RecordAsync(3, ActivityActions.StopJob);
        using var admin = await app.SignInAsync();

        var first = await admin.GetStringAsync($"/Activity?who={who.ToUpperInvariant()}");
        var ids = RowIds(first);
        Assert.Equal(50, ids.Count);
        Assert.Equal(ids.OrderByDescending(id => id), ids);
        Assert.DoesNotContain(other, first);
        var next = Html.Attribute(Html.Tags(first, "next-page").Single(), "href")!;
        Assert.Contains($"after={ids[^1]}", next);

        var second = await JobTrackerApp.GetHtmxAsync(admin, next);
        var page2 = await second.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<html", page2);
        var ids2 = RowIds(page2);
        Assert.Equal(10, ids2.Count);
        Assert.True(ids2.Max() < ids.Min());
        Assert.DoesNotContain("data-testid=\"next-page\"", page2);

        var byAction = await admin.GetStringAsync($"/Activity?who={other}&action={Uri.EscapeDataString(ActivityActions.StopJob)}");
        Assert.Equal(3, RowIds(byAction).Count);
        var none = await admin.GetStringAsync($"/Activity?who={other}&action={Uri.EscapeDataString(ActivityActions.DownloadArchive)}");
        Assert.Empty(RowIds(none));
        Assert.Contains("No activity matches this search.", none);

        var byJob = await admin.GetStringAsync($"/Activity?who={who}&job={FakeJobs + 7}");
        Assert.Single(RowIds(byJob));
        Assert.Contains($"href=\"/Jobs/{FakeJobs + 7}\"", byJob);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, RowIds(await admin.GetStringAsync($"/Activity?who={other}&from={today}&to={today}")).Count);
        Assert.Empty(RowIds(await admin.GetStringAsync($"/Activity?who={other}&from={tomorrow}")));
    }

    [Fact]
    public async Task The_api_lists_the_same_entries_for_an_admin_token_and_refuses_others()
    {
        var who = await RecordAsync(5, ActivityActions.DownloadAuditLog);
        var adminToken = await ApiFixture.CreateTokenAsync(app, JobTrackerApp.AdminUser);
        using var api = ApiFixture.Client(app, adminToken);

        var page = await api.GetFromJsonAsync<JsonElement>($"/api/v1/activity?who={who}&limit=3");
        var entries = page.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(who, e.GetProperty("actorName").GetString()));
        Assert.All(entries, e => Assert.Equal("10.0.0.7", e.GetProperty("clientAddress").GetString()));
        var after = page.GetProperty("nextAfter").GetInt64();
        var rest = await api.GetFromJsonAsync<JsonElement>($"/api/v1/activity?who={who}&after={after}");
        Assert.Equal(2, rest.GetProperty("entries").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextAfter").ValueKind);

        await ApiFixture.AssertProblemAsync(await api.GetAsync("/api/v1/activity?action=Dance"), 400, "is not one of");
        foreach (var role in new[] { Roles.Support, Roles.Viewer })
        {
            using var other = ApiFixture.Client(app, await ApiFixture.CreateTokenAsync(app, app.CreateUser(role)));
            await ApiFixture.AssertProblemAsync(await other.GetAsync("/api/v1/activity"), 403);
        }
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Support)]
    public async Task A_viewer_or_support_user_cannot_open_the_activity_page_nor_see_its_link(string role)
    {
        using var user = await app.SignInAsAsync(role);
        using var response = await user.GetAsync("/Activity");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/AccessDenied", response.Headers.Location!.AbsolutePath);
        using var htmx = await JobTrackerApp.GetHtmxAsync(user, "/Activity");
        Assert.Equal(HttpStatusCode.Forbidden, htmx.StatusCode);
        Assert.DoesNotContain("data-testid=\"activity-link\"", await user.GetStringAsync("/"));

        using var admin = await app.SignInAsync();
        Assert.Contains("data-testid=\"activity-link\"", await admin.GetStringAsync("/"));
    }

    [Fact]
    public async Task Job_details_shows_who_queued_the_job_what_was_downloaded_and_when_it_ended()
    {
        using var admin = await app.SignInAsync();
        var jobId = await app.UploadAsync(admin, app.CreateCollection(), "details.csv", "customerId,name\nD1,Ada\n");
        await app.WaitUntilFinishedAsync(jobId);
        using (var download = await admin.GetAsync($"/Jobs/{jobId}/AuditLog")) Assert.Equal(HttpStatusCode.OK, download.StatusCode);

        var page = await admin.GetStringAsync($"/Jobs/{jobId}");
        var section = page[page.IndexOf("data-testid=\"job-activity\"", StringComparison.Ordinal)..];
        var actions = RowActions(section);
        Assert.Equal([ActivityActions.SubmitImport, ActivityActions.JobFinished, ActivityActions.DownloadAuditLog], actions);
        Assert.Contains("127.0.0.1", section);
        Assert.Contains($"href=\"/Activity?job={jobId}\"", section);

        // A viewer sees the job's activity, but not the addresses.
        using var viewer = await app.SignInAsAsync(Roles.Viewer);
        var viewed = await viewer.GetStringAsync($"/Jobs/{jobId}");
        var viewedSection = viewed[viewed.IndexOf("data-testid=\"job-activity\"", StringComparison.Ordinal)..];
        Assert.Equal(actions.Take(3), RowActions(viewedSection).Take(3));
        Assert.DoesNotContain("127.0.0.1", viewedSection);
    }
}
