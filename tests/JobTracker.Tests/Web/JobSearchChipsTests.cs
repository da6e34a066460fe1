using System.Net;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages.Collections;

namespace JobTracker.Tests.Web;

/// <summary>
/// The Job Tracker's status chips over real HTTP: the page and the table (search, paging, poll)
/// never count them; their own request (?handler=Chips, as htmx sends it with the search form's
/// values) does; the poll says when a job of the collection changed state since the table was
/// rendered (HX-Trigger: jobs-changed) and only then; without JavaScript the chips are plain links and
/// a link shows the page with them counted.
/// </summary>
public sealed class JobSearchChipsTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private static async Task<string> HtmxAsync(HttpClient client, string path)
    {
        using var response = await JobTrackerApp.GetHtmxAsync(client, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A request of the table as its poll sends it: htmx, with the state the table was rendered with.</summary>
    private static async Task<(string Body, string? Trigger)> PollAsync(HttpClient client, string path, string seen)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add(JobsModel.SeenHeader, seen);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var trigger = response.Headers.TryGetValues("HX-Trigger", out var values) ? values.Single() : null;
        return (await response.Content.ReadAsStringAsync(), trigger);
    }

    /// <summary>The state a table was rendered with, from its hx-headers.</summary>
    private static string Seen(string html)
    {
        var headers = Html.Attribute(Html.Tags(html, "job-table").Single(), "hx-headers")!;
        using var json = JsonDocument.Parse(headers);
        return json.RootElement.GetProperty(JobsModel.SeenHeader).GetString()!;
    }

    private static Dictionary<string, long> Chips(string html) =>
        Html.Tags(html, "status-chip").ToDictionary(t => Html.Attribute(t, "data-status")!, t => long.Parse(Html.Attribute(t, "data-count")!, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_page_and_the_table_do_not_count_the_chips_and_the_chips_request_does()
    {
        var c = app.CreateCollection();
        app.InsertJob(c, Status.Completed, "orders-1.csv");
        app.InsertJob(c, Status.Completed, "orders-2.csv");
        app.InsertJob(c, Status.Failed, "customers.csv");
        app.InsertJob(c, Status.Failed, "orders-3.csv");
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";

        // The page: chips without counts, which htmx fetches once loaded, with the search form's values.
        var page = await admin.GetStringAsync(path + "?name=orders");
        Assert.True(Html.HasId(page, "job-search"));
        var nav = Html.Tags(page, "status-chips").Single();
        Assert.Equal("false", Html.Attribute(nav, "data-counted"));
        Assert.Equal(path + "?handler=Chips", Html.Attribute(nav, "hx-get"));
        Assert.Equal("#job-search", Html.Attribute(nav, "hx-include"));
        Assert.Equal("load, change from:#job-search, submit from:#job-search, jobs-changed from:body", Html.Attribute(nav, "hx-trigger"));
        Assert.Equal(7, Html.Tags(page, "status-chip").Count);
        Assert.All(Html.Tags(page, "status-chip"), chip => Assert.Equal("", Html.Attribute(chip, "data-count")));
        Assert.Contains("COMPLETED", Html.Texts(page, "status-chip"));
        Assert.Equal(3, Html.JobRows(page).Count);

        // The table (what a search, a paging link and the poll swap in) has no chips at all.
        var table = await HtmxAsync(admin, path + "?name=orders");
        Assert.Empty(Html.Tags(table, "status-chips"));
        Assert.Equal(3, Html.JobRows(table).Count);

        // The chips' own request, as htmx sends it (the form's blank fields included): counts, no table, no "load" again.
        var chips = await HtmxAsync(admin, path + "?handler=Chips&status=FAILED&type=&by=&name=orders&from=&to=");
        Assert.DoesNotContain("<html", chips);
        Assert.Empty(Html.Tags(chips, "job-table"));
        nav = Html.Tags(chips, "status-chips").Single();
        Assert.Equal("true", Html.Attribute(nav, "data-counted"));
        Assert.Equal("change from:#job-search, submit from:#job-search, jobs-changed from:body", Html.Attribute(nav, "hx-trigger"));
        Assert.Equal(new Dictionary<string, long>
        {
            [""] = 3, [Status.Queued] = 0, [Status.InProgress] = 0, [Status.Completed] = 2,
            [Status.RanWithErrors] = 0, [Status.Failed] = 1, [Status.Canceled] = 0,
        }, Chips(chips));
        Assert.Contains("COMPLETED 2", Html.Texts(chips, "status-chip"));
        var completed = Html.Tags(chips, "status-chip").Single(t => Html.Attribute(t, "data-status") == Status.Completed);
        Assert.Equal(path + "?status=COMPLETED&name=orders", Html.Attribute(completed, "href"));
        Assert.Equal("true", Html.Attribute(Html.Tags(chips, "status-chip").Single(t => Html.Attribute(t, "data-status") == Status.Failed), "aria-current"));
    }

    [Fact]
    public async Task The_poll_does_not_count_and_says_only_when_a_job_changed_state_since()
    {
        var c = app.CreateCollection();
        app.InsertJob(c, Status.Completed, "done.csv");
        app.InsertBlockingJob(c); // IN PROGRESS elsewhere: the table polls, and nothing of this collection runs here
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";
        var page = await admin.GetStringAsync(path);
        Assert.Equal("every 2s", Html.Attribute(Html.Tags(page, "job-table").Single(), "hx-trigger"));
        var seen = Seen(page);

        // Nothing changed: no chips, no event, the same state.
        var (body, trigger) = await PollAsync(admin, path, seen);
        Assert.Null(trigger);
        Assert.Empty(Html.Tags(body, "status-chip"));
        Assert.Equal(seen, Seen(body));
        // A paging or poll request that sends no state (or the search form's) never triggers.
        using (var plain = await JobTrackerApp.GetHtmxAsync(admin, path))
            Assert.False(plain.Headers.Contains("HX-Trigger"));

        // A new job is queued: the next poll tells the chips, once.
        var next = app.InsertJob(c, Status.Queued, "next.csv");
        (body, trigger) = await PollAsync(admin, path, seen);
        Assert.Equal(JobsModel.ChangedEvent, trigger);
        Assert.NotEqual(seen, Seen(body));
        seen = Seen(body);
        Assert.Null((await PollAsync(admin, path, seen)).Trigger);

        // It starts (on another node, so that no worker here takes it), and nothing else changes.
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE jobs SET status = @status, started_at = @now, lease_owner = 'another-node/0', lease_until = @until WHERE id = @next",
                new { status = Status.InProgress, now = DateTime.UtcNow, until = DateTime.UtcNow.AddHours(1), next });
        (body, trigger) = await PollAsync(admin, path, seen);
        Assert.Equal(JobsModel.ChangedEvent, trigger);
        seen = Seen(body);

        // It finishes.
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE jobs SET status = @status, finished_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @next",
                new { status = Status.Completed, now = DateTime.UtcNow, next });
        (body, trigger) = await PollAsync(admin, path, seen);
        Assert.Equal(JobsModel.ChangedEvent, trigger);
        Assert.Null((await PollAsync(admin, path, Seen(body))).Trigger);

        // The chips, counted again, show it.
        var chips = Chips(await HtmxAsync(admin, path + "?handler=Chips"));
        Assert.Equal(2, chips[Status.Completed]);
        Assert.Equal(1, chips[Status.InProgress]);
        Assert.Equal(3, chips[""]);
    }

    [Fact]
    public async Task Without_JavaScript_the_chips_are_links_and_a_link_shows_the_page_with_them_counted()
    {
        var c = app.CreateCollection();
        app.InsertJob(c, Status.Completed, "a.csv");
        app.InsertJob(c, Status.Completed, "b.csv");
        app.InsertJob(c, Status.Failed, "c.csv");
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";

        var page = await admin.GetStringAsync(path + "?by=tester");
        Assert.Equal(3, Html.JobRows(page).Count);
        var completed = Html.Attribute(Html.Tags(page, "status-chip").Single(t => Html.Attribute(t, "data-status") == Status.Completed), "href")!;
        Assert.Equal(path + "?status=COMPLETED&by=tester", completed);
        Assert.Equal(2, Html.JobRows(await admin.GetStringAsync(completed)).Count);
        Assert.Contains("<noscript>", page);
        var count = Html.Tags(page, "count-chips").Single();
        Assert.Equal(path + "?handler=Chips&by=tester", Html.Attribute(count, "href"));
        Assert.Equal("Count jobs per status", Html.Text(page, "count-chips"));

        var counted = await admin.GetStringAsync(Html.Attribute(count, "href"));
        Assert.Contains("<html", counted);
        Assert.Equal(3, Html.JobRows(counted).Count);
        Assert.Equal("true", Html.Attribute(Html.Tags(counted, "status-chips").Single(), "data-counted"));
        Assert.Equal(2, Chips(counted)[Status.Completed]);
        Assert.Equal(1, Chips(counted)[Status.Failed]);
        Assert.Equal(3, Chips(counted)[""]);
        Assert.Contains("All 3", Html.Texts(counted, "status-chip"));
        Assert.Empty(Html.Tags(counted, "count-chips"));
        Assert.Equal(0, Chips(await admin.GetStringAsync(path + "?handler=Chips&by=nobody"))[""]);
    }
}
