using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages.Collections;

namespace JobTracker.Tests.Web;

/// <summary>The app with batches of 7 rows, so that the viewer's imports make many batches.</summary>
public sealed class RecordViewerFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new() { BatchSize = 7 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// The record viewer (a collection's Records page and a record's page) over real HTTP, on records
/// written by real imports: keyset paging, search by exact key and by prefix, the formatted JSON, and
/// the job that last wrote each record.
/// </summary>
public sealed class RecordViewerTests(RecordViewerFixture fixture) : IClassFixture<RecordViewerFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task Records_page_by_key_50_at_a_time_and_next_and_previous_neither_repeat_nor_skip_a_record()
    {
        var collectionId = App.CreateCollection();
        var keys = Enumerable.Range(0, 120).Select(i => $"R{i:D3}").ToList();
        using var admin = await App.SignInAsync();
        // Written out of key order: the viewer orders by key, not by when a record was written.
        await ImportAsync(admin, collectionId, keys.OrderBy(k => k[^1]).ThenByDescending(k => k).Select(k => $"{k},Name {k}"));

        var first = await admin.GetStringAsync($"/Collections/{collectionId}/Records");
        var second = await FollowAsync(admin, first, "next-page");
        var third = await FollowAsync(admin, second, "next-page");
        Assert.Equal(keys[..50], Html.Texts(first, "record-key"));
        Assert.Equal(keys[50..100], Html.Texts(second, "record-key"));
        Assert.Equal(keys[100..], Html.Texts(third, "record-key"));
        Assert.Empty(Html.Tags(first, "previous-page"));
        Assert.Empty(Html.Tags(third, "next-page"));
        Assert.Equal($"/Collections/{collectionId}/Records?after=R049", Html.Attribute(Html.Tags(first, "next-page").Single(), "href"));

        var backToSecond = await FollowAsync(admin, third, "previous-page");
        var backToFirst = await FollowAsync(admin, backToSecond, "previous-page");
        Assert.Equal(keys[50..100], Html.Texts(backToSecond, "record-key"));
        Assert.Equal(keys[..50], Html.Texts(backToFirst, "record-key"));
        Assert.Empty(Html.Tags(backToFirst, "previous-page"));
        Assert.Single(Html.Tags(backToFirst, "next-page"));
    }

    [Fact]
    public async Task A_keyless_collection_pages_by_its_generated_ids()
    {
        var collectionId = App.CreateCollection(keyField: null);
        using var admin = await App.SignInAsync();
        await ImportAsync(admin, collectionId, Enumerable.Range(0, 60).Select(i => $"C{i},Same name"));

        var first = await admin.GetStringAsync($"/Collections/{collectionId}/Records");
        var second = await FollowAsync(admin, first, "next-page");
        var shown = Html.Texts(first, "record-key").Concat(Html.Texts(second, "record-key")).ToList();
        var stored = App.Records(collectionId).Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(60, stored.Count);
        Assert.Equal(stored, shown);
        Assert.Empty(Html.Tags(second, "next-page"));

        var record = await admin.GetStringAsync(Html.Attribute(Html.Tags(second, "record-key")[3], "href"));
        Assert.Equal(stored[53], Html.Text(record, "record-key"));
        Assert.Contains("\"customerId\": \"C", PreText(record, "record-json"));
    }

    [Fact]
    public async Task Search_finds_an_exact_key_or_a_prefix_taking_percent_underscore_and_non_ASCII_literally()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        string[] keys = ["A%1", "A%2", "AB1", "A_x", "AAx", "Ab", "Ä1", "Äb", "Ø", "B", "A"];
        await ImportAsync(admin, collectionId, keys.Select(k => $"{k},Name"));

        Assert.Equal(["A%1", "A%2"], await SearchAsync(admin, collectionId, "A%"));
        Assert.Equal(["A_x"], await SearchAsync(admin, collectionId, "A_"));
        Assert.Equal(["A", "A%1", "A%2", "AAx", "AB1", "A_x", "Ab"], await SearchAsync(admin, collectionId, "A"));
        Assert.Equal(["Ä1", "Äb"], await SearchAsync(admin, collectionId, "Ä"));
        Assert.Equal(["Ø"], await SearchAsync(admin, collectionId, "Ø"));
        Assert.Equal(["AB1"], await SearchAsync(admin, collectionId, "AB1", exact: true));
        Assert.Equal(["A"], await SearchAsync(admin, collectionId, "A", exact: true));
        Assert.Empty(await SearchAsync(admin, collectionId, "A%", exact: true));
        Assert.Empty(await SearchAsync(admin, collectionId, "C"));

        var none = await admin.GetStringAsync($"/Collections/{collectionId}/Records?q=A%25&match=exact");
        Assert.Equal("No record's key is “A%”.", Html.Text(none, "empty-state"));
    }

    [Fact]
    public async Task A_prefix_search_pages_within_its_matches()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        await ImportAsync(admin, collectionId,
            Enumerable.Range(0, 70).Select(i => $"P{i:D2},Name").Concat(Enumerable.Range(0, 30).Select(i => $"Q{i:D2},Name")));

        var first = await admin.GetStringAsync($"/Collections/{collectionId}/Records?q=P");
        var second = await FollowAsync(admin, first, "next-page");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"P{i:D2}"), Html.Texts(first, "record-key"));
        Assert.Equal(Enumerable.Range(50, 20).Select(i => $"P{i:D2}"), Html.Texts(second, "record-key"));
        Assert.Empty(Html.Tags(second, "next-page"));
        Assert.Equal(Html.Texts(first, "record-key"), Html.Texts(await FollowAsync(admin, second, "previous-page"), "record-key"));
    }

    [Fact]
    public async Task A_record_shows_its_JSON_indented_and_HTML_encoded()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        await ImportAsync(admin, collectionId, ["X1,<script>alert('x')</script>,1.50", "X2,Zoë &amp; Ø,2"], header: "customerId,name,amount");

        using var response = await admin.GetAsync($"/Collections/{collectionId}/Record?key=X1");
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>alert", page);
        Assert.Contains("&lt;script&gt;", page);
        var json = PreText(page, "record-json");
        Assert.Contains("\n  \"name\": \"<script>alert('x')</script>\"", json);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(App.Records(collectionId)["X1"].Data), JsonNode.Parse(json)));

        var other = PreText(await admin.GetStringAsync($"/Collections/{collectionId}/Record?key=X2"), "record-json");
        Assert.Contains("\"name\": \"Zoë &amp; Ø\"", other);
    }

    [Fact]
    public async Task Each_record_names_the_job_that_last_wrote_it_and_records_from_before_show_a_dash()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var firstJob = await ImportAsync(admin, collectionId, ["K1,One", "K2,Two"]);
        // K2 twice in one batch: the write of a repeated key names the job too.
        var secondJob = await ImportAsync(admin, collectionId, ["K2,Two again", "K3,Three", "K2,Two once more"]);
        using (var connection = App.Database.Open())
            connection.Execute("UPDATE records SET last_job_id = NULL WHERE collection_id = @collectionId AND record_key = 'K3'", new { collectionId });

        var list = await admin.GetStringAsync($"/Collections/{collectionId}/Records");
        Assert.Equal(["K1", "K2", "K3"], Html.Texts(list, "record-key"));
        Assert.Equal([$"job {firstJob}", $"job {secondJob}", "—"], Html.Texts(list, "record-last-job"));

        var record = await admin.GetStringAsync($"/Collections/{collectionId}/Record?key=K2");
        Assert.Equal($"job {secondJob}", Html.Text(record, "record-last-job"));
        Assert.Equal($"/Jobs/{secondJob}", Html.Attribute(Html.Tags(record, "record-last-job-link").Single(), "href"));
        Assert.Equal("3", Html.Text(record, "record-version"));
        Assert.Equal("—", Html.Text(await admin.GetStringAsync($"/Collections/{collectionId}/Record?key=K3"), "record-last-job"));
    }

    [Fact]
    public async Task Viewers_see_records_and_the_collection_page_links_to_them_and_unknown_ones_are_not_found()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        await ImportAsync(admin, collectionId, ["V1,Viewed"]);
        using var viewer = await App.SignInAsAsync(Roles.Viewer);

        var details = await viewer.GetStringAsync($"/Collections/{collectionId}");
        Assert.Equal($"/Collections/{collectionId}/Records", Html.Attribute(Html.Tags(details, "records-link").Single(), "href"));
        Assert.Equal(["V1"], Html.Texts(await viewer.GetStringAsync($"/Collections/{collectionId}/Records"), "record-key"));
        Assert.Contains("\"name\": \"Viewed\"", PreText(await viewer.GetStringAsync($"/Collections/{collectionId}/Record?key=V1"), "record-json"));

        foreach (var path in new[] { $"/Collections/{collectionId}/Record?key=V2", $"/Collections/{collectionId}/Record", "/Collections/987654/Records" })
        {
            using var response = await viewer.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("a", "b")]
    [InlineData("A%", "A&")]
    [InlineData("Ä", "Å")]
    [InlineData("x\uD7FF", "x\uE000")]
    [InlineData("x\U0010FFFF", "y")]
    [InlineData("\U0010FFFF", null)]
    public void A_prefix_range_ends_at_the_prefix_with_its_last_code_point_counted_up(string prefix, string? end) =>
        Assert.Equal(end, RecordKeyRange.UpperBound(prefix));

    // ---------------------------------------------------------------- helpers

    /// <summary>Imports "customerId,name" rows (or rows of <paramref name="header"/>) as the admin and waits for COMPLETED.</summary>
    private async Task<long> ImportAsync(HttpClient admin, long collectionId, IEnumerable<string> rows, string header = "customerId,name")
    {
        var csv = new StringBuilder(header).Append('\n');
        foreach (var row in rows) csv.Append(row).Append('\n');
        var jobId = await App.UploadAsync(admin, collectionId, "records.csv", csv.ToString());
        await App.WaitForStatusAsync(jobId, Status.Completed);
        return jobId;
    }

    private static async Task<string> FollowAsync(HttpClient client, string page, string testId) =>
        await client.GetStringAsync(Html.Attribute(Html.Tags(page, testId).Single(), "href"));

    private static async Task<List<string>> SearchAsync(HttpClient client, long collectionId, string text, bool exact = false)
    {
        var page = await client.GetStringAsync($"/Collections/{collectionId}/Records?q={Uri.EscapeDataString(text)}" + (exact ? "&match=exact" : ""));
        return Html.Texts(page, "record-key");
    }

    /// <summary>A pre element's text as the browser shows it: decoded, whitespace kept.</summary>
    private static string PreText(string page, string testId)
    {
        var match = Regex.Match(page, $"<pre\\b[^>]*data-testid=\"{testId}\"[^>]*>(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no {testId} on the page:\n{page}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
