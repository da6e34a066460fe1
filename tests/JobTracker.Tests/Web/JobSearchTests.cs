using System.Net;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// The Job Tracker's search over real HTTP: each filter and their combinations, the status chips'
/// counts (in their own request, JobSearchChipsTests), keyset paging that stays put while new jobs arrive, LIKE wildcards typed as text, a
/// bookmarked URL, and the poll keeping the search. Jobs are inserted straight into the database
/// and given their type, initiator and submission time there.
/// </summary>
public sealed class JobSearchTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private long Job(long collectionId, string status, string fileName, string by = "j.doe", string type = "Import", string created = "2026-03-10 12:00")
    {
        var id = app.InsertJob(collectionId, status, fileName, by);
        using var connection = app.Database.Open();
        connection.Execute("UPDATE jobs SET job_type = @type, created_at = @created WHERE id = @id",
            new { type, created = DateTime.SpecifyKind(DateTime.Parse(created, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc), id });
        return id;
    }

    private static async Task<string> TableAsync(HttpClient client, string path)
    {
        using var response = await JobTrackerApp.GetHtmxAsync(client, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The chips as their own request returns them (htmx, ?handler=Chips with the search).</summary>
    private static Task<string> ChipsAsync(HttpClient client, string path) =>
        TableAsync(client, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "handler=Chips");

    private static List<long> Ids(string page) => Html.JobRows(page).Select(r => r.Id).ToList();

    private static Dictionary<string, long> Chips(string page) =>
        Html.Tags(page, "status-chip").ToDictionary(t => Html.Attribute(t, "data-status")!, t => long.Parse(Html.Attribute(t, "data-count")!, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Each_filter_and_their_combination_narrow_the_jobs()
    {
        var c = app.CreateCollection();
        var a = Job(c, Status.Completed, "customers-march.csv", "j.doe", "Import", "2026-03-01 08:00");
        var b = Job(c, Status.Failed, "customers-april.csv", "m.rossi", "Import", "2026-04-02 09:00");
        var e = Job(c, Status.Completed, "export-customers.csv", "schedule: Nightly", "Export", "2026-04-03 23:59");
        var d = Job(c, Status.RanWithErrors, "orders.json", "j.doe", "Import", "2026-04-04 00:00");
        Job(app.CreateCollection(), Status.Completed, "customers-elsewhere.csv"); // another collection's job never shows
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";

        Assert.Equal([d, e, b, a], Ids(await TableAsync(admin, path)));
        Assert.Equal([e, a], Ids(await TableAsync(admin, path + "?status=COMPLETED")));
        Assert.Equal([e], Ids(await TableAsync(admin, path + "?type=Export")));
        Assert.Equal([d, b, a], Ids(await TableAsync(admin, path + "?type=Import")));
        Assert.Equal([e], Ids(await TableAsync(admin, path + "?by=" + Uri.EscapeDataString("schedule: Nightly"))));
        Assert.Equal([d, a], Ids(await TableAsync(admin, path + "?by=J.DOE")));
        Assert.Equal([e, b, a], Ids(await TableAsync(admin, path + "?name=CUSTOMERS")));
        Assert.Equal([e, b], Ids(await TableAsync(admin, path + "?from=2026-04-01&to=2026-04-03")));
        Assert.Equal([d, e, b], Ids(await TableAsync(admin, path + "?from=2026-04-01")));
        Assert.Equal([a], Ids(await TableAsync(admin, path + "?to=2026-03-31")));
        Assert.Equal([b], Ids(await TableAsync(admin, path + "?status=FAILED&type=Import&by=m.rossi&name=april&from=2026-04-01&to=2026-04-30")));
        Assert.Equal([e, a], Ids(await TableAsync(admin, path + "?status=COMPLETED&name=customers")));
        Assert.Equal([], Ids(await TableAsync(admin, path + "?status=COMPLETED&name=orders")));
        Assert.Equal("No job matches this search.", Html.Text(await TableAsync(admin, path + "?status=COMPLETED&name=orders"), "empty-state"));
        // Values that are not a status, a type or a date are no filter rather than an error.
        Assert.Equal([d, e, b, a], Ids(await TableAsync(admin, path + "?status=NOPE&type=Other&from=yesterday&to=2026-13-45")));
    }

    [Fact]
    public async Task The_chips_count_each_status_under_the_other_filters_and_keep_them()
    {
        var c = app.CreateCollection();
        Job(c, Status.Completed, "a.csv", type: "Import");
        Job(c, Status.Completed, "b.csv", type: "Import");
        Job(c, Status.Failed, "c.csv", type: "Import");
        Job(c, Status.Completed, "d.csv", type: "Export");
        Job(c, Status.Canceled, "e.csv", type: "Export");
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";

        var all = Chips(await ChipsAsync(admin, path));
        Assert.Equal(5, all[""]);
        Assert.Equal(3, all[Status.Completed]);
        Assert.Equal(1, all[Status.Failed]);
        Assert.Equal(1, all[Status.Canceled]);
        Assert.Equal(0, all[Status.Queued]);

        // The status filter itself does not change the counts; the others do.
        var page = await ChipsAsync(admin, path + "?type=Import&status=FAILED");
        Assert.Equal(new Dictionary<string, long>
        {
            [""] = 3, [Status.Queued] = 0, [Status.InProgress] = 0, [Status.Completed] = 2,
            [Status.RanWithErrors] = 0, [Status.Failed] = 1, [Status.Canceled] = 0,
        }, Chips(page));
        var chips = Html.Tags(page, "status-chip");
        Assert.Equal("true", Html.Attribute(chips.Single(t => Html.Attribute(t, "data-status") == Status.Failed), "aria-current"));
        var completed = Html.Attribute(chips.Single(t => Html.Attribute(t, "data-status") == Status.Completed), "href")!;
        Assert.Equal(path + "?status=COMPLETED&type=Import", completed);
        Assert.Equal(path + "?type=Import", Html.Attribute(chips.Single(t => Html.Attribute(t, "data-status") == ""), "href"));
        Assert.Equal(2, Html.JobRows(await TableAsync(admin, completed)).Count);
    }

    [Fact]
    public async Task A_chip_counts_up_to_1000_and_shows_more_as_1000_plus()
    {
        var c = app.CreateCollection();
        Job(c, Status.Completed, "many.csv");
        Job(c, Status.Failed, "one.csv");
        using (var connection = app.Database.Open())
        {
            // 1 COMPLETED job doubled ten times: 1,024.
            for (var i = 0; i < 10; i++)
                connection.Execute("""
                    INSERT INTO jobs (collection_id, job_type, file_name, file_format, status, initiated_by, batch_size, created_at, started_at, finished_at, total_rows, succeeded_rows)
                    SELECT collection_id, job_type, file_name, file_format, status, initiated_by, batch_size, created_at, started_at, finished_at, total_rows, succeeded_rows
                      FROM jobs WHERE collection_id = @c AND status = 'COMPLETED'
                    """, new { c });
        }
        using var admin = await app.SignInAsync();

        var page = await ChipsAsync(admin, $"/Collections/{c}/Jobs");

        Assert.Equal(1001, Chips(page)[Status.Completed]);
        Assert.Equal(1, Chips(page)[Status.Failed]);
        var texts = Html.Texts(page, "status-chip");
        Assert.Contains("COMPLETED 1,000+", texts);
        Assert.Contains("FAILED 1", texts);
        Assert.Contains("All 1,000+", texts);
        Assert.Equal(1, Chips(await ChipsAsync(admin, $"/Collections/{c}/Jobs?name=one"))[""]);
    }

    [Fact]
    public async Task Name_contains_takes_wildcards_as_text()
    {
        var c = app.CreateCollection();
        var sale = Job(c, Status.Completed, "50%_off.csv");
        var plain = Job(c, Status.Completed, "50xyoff.csv");
        var under = Job(c, Status.Completed, "500_off.csv");
        var bracket = Job(c, Status.Completed, "[a]!b.csv");
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs?name=";

        Assert.Equal([sale], Ids(await TableAsync(admin, path + Uri.EscapeDataString("50%_off"))));
        Assert.Equal([sale], Ids(await TableAsync(admin, path + Uri.EscapeDataString("%"))));
        Assert.Equal([under, sale], Ids(await TableAsync(admin, path + "_")));
        Assert.Equal([bracket], Ids(await TableAsync(admin, path + Uri.EscapeDataString("[a]!"))));
        // Case-insensitive, the same on every database.
        Assert.Equal([under, plain, sale], Ids(await TableAsync(admin, path + "OFF.CSV")));
    }

    [Fact]
    public async Task Keyset_paging_keeps_its_order_while_new_jobs_arrive()
    {
        var c = app.CreateCollection();
        var ids = Enumerable.Range(1, 30).Select(i => Job(c, Status.Completed, $"job-{i:D2}.csv", created: $"2026-03-01 10:{i:D2}")).ToList();
        Job(c, Status.Failed, "other-status.csv", created: "2026-03-01 10:15");
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs?status=COMPLETED";

        var first = await TableAsync(admin, path);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(25), Ids(first));
        Assert.Empty(Html.Tags(first, "previous-page"));
        var next = Html.Attribute(Html.Tags(first, "next-page").Single(), "hx-get")!;
        Assert.Equal($"/Collections/{c}/Jobs?status=COMPLETED&after={ids[5]}&page=2", next);

        // Newer jobs arrive (one with the very same time as the cursor): page 2 is the same five.
        Job(c, Status.Completed, "newer.csv", created: "2026-03-01 11:00");
        Job(c, Status.Completed, "same-time.csv", created: "2026-03-01 10:06");
        var second = await TableAsync(admin, next);
        Assert.Equal(ids.Take(5).Reverse(), Ids(second));
        Assert.Contains("Page 2", second);
        Assert.Empty(Html.Tags(second, "next-page"));
        Assert.Equal(path, Html.Attribute(Html.Tags(second, "previous-page").Single(), "href"));
    }

    [Fact]
    public async Task A_bookmarked_search_reproduces_the_page_and_the_poll_keeps_the_search_and_the_page()
    {
        var c = app.CreateCollection();
        var ids = Enumerable.Range(1, 27).Select(i => Job(c, Status.Completed, $"sale-{i:D2}.csv", created: $"2026-05-{i:D2} 10:00")).ToList();
        using var admin = await app.SignInAsync();
        var search = $"/Collections/{c}/Jobs?status=COMPLETED&type=Import&by=j.doe&name=sale&from=2026-05-01&to=2026-05-31";
        var bookmark = search + $"&after={ids[2]}&page=2";

        var page = await admin.GetStringAsync(bookmark);
        Assert.Contains("<html", page);
        Assert.Equal([ids[1], ids[0]], Ids(page));
        Assert.Equal("sale", Html.Attribute(Html.Tags(page, "search-name").Single(), "value"));
        Assert.Equal("j.doe", Html.Attribute(Html.Tags(page, "search-by").Single(), "value"));
        Assert.Equal("2026-05-01", Html.Attribute(Html.Tags(page, "search-from").Single(), "value"));
        Assert.Equal("2026-05-31", Html.Attribute(Html.Tags(page, "search-to").Single(), "value"));
        Assert.Contains("<option value=\"COMPLETED\" selected=\"selected\">", page);
        Assert.Contains("<option value=\"Import\" selected=\"selected\">", page);
        Assert.Equal("GET", Html.Attribute(Html.Tags(page, "job-search").Single(), "method")!.ToUpperInvariant());

        app.InsertBlockingJob(c);
        var table = Html.Tags(await TableAsync(admin, bookmark), "job-table").Single();
        Assert.Equal("every 2s", Html.Attribute(table, "hx-trigger"));
        Assert.Equal(bookmark, Html.Attribute(table, "hx-get"));
        Assert.Equal([ids[1], ids[0]], Ids(await TableAsync(admin, Html.Attribute(table, "hx-get")!)));
    }
}
