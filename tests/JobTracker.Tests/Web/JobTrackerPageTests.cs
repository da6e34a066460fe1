using System.Net;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// The Job Tracker page of a collection: the page and its htmx partial, the poll, order and paging
/// (the search itself: JobSearchTests),
/// what it shows of a file name; and the not-found page. Jobs that only need to be listed are
/// inserted straight into the database.
/// </summary>
public sealed class JobTrackerPageTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    [Fact]
    public async Task Htmx_gets_only_the_table_and_both_answers_vary_on_HX_Request()
    {
        var collectionId = app.CreateCollection();
        var jobId = app.InsertJob(collectionId, Status.Completed);
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{collectionId}/Jobs";

        using var page = await admin.GetAsync(path);
        using var partial = await JobTrackerApp.GetHtmxAsync(admin, path);
        using var historyRestore = await HistoryRestoreAsync(admin, path);

        var pageText = await page.Content.ReadAsStringAsync();
        var partialText = await partial.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        Assert.Contains("<html", pageText);
        Assert.Contains("<section id=\"job-table\"", pageText);
        Assert.StartsWith("<section id=\"job-table\"", partialText.TrimStart());
        Assert.EndsWith("</section>", partialText.TrimEnd());
        Assert.DoesNotContain("<html", partialText);
        Assert.DoesNotContain("signed-in-user", partialText);
        Assert.Equal([(jobId, Status.Completed)], Html.JobRows(partialText));
        Assert.Contains("HX-Request", page.Headers.Vary);
        Assert.Contains("HX-Request", partial.Headers.Vary);
        // The back button after a cache miss asks with HX-Request too, but wants the whole page.
        Assert.Contains("<html", await historyRestore.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_table_polls_while_a_job_is_unfinished_and_stops_polling_once_every_job_is_finished()
    {
        var collectionId = app.CreateCollection();
        app.InsertJob(collectionId, Status.Completed);
        app.InsertJob(collectionId, Status.Failed);
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{collectionId}/Jobs";

        var finished = await JobTableTagAsync(admin, path);
        Assert.Equal("false", Html.Attribute(finished, "data-polling"));
        Assert.Null(Html.Attribute(finished, "hx-trigger"));
        Assert.Null(Html.Attribute(finished, "hx-get"));

        var running = app.InsertBlockingJob(collectionId);
        foreach (var polling in new[] { await JobTableTagAsync(admin, path), await JobTableTagAsync(admin, path, htmx: true) })
        {
            Assert.Equal("true", Html.Attribute(polling, "data-polling"));
            Assert.Equal("every 2s", Html.Attribute(polling, "hx-trigger"));
            Assert.Equal(path, Html.Attribute(polling, "hx-get"));
        }
        // A poll of page 2 keeps re-reading page 2.
        var page2 = $"{path}?after={running}&page=2";
        Assert.Equal(page2, Html.Attribute(await JobTableTagAsync(admin, page2, htmx: true), "hx-get"));

        await app.StopJobAsync(running);
        var done = await JobTableTagAsync(admin, path, htmx: true);
        Assert.Equal("false", Html.Attribute(done, "data-polling"));
        Assert.Null(Html.Attribute(done, "hx-trigger"));
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_25_to_a_page()
    {
        var collectionId = app.CreateCollection();
        var ids = Enumerable.Range(1, 30).Select(i => app.InsertJob(collectionId, Status.Completed, $"job-{i:D2}.csv")).ToList();
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{collectionId}/Jobs";

        var first = await admin.GetStringAsync(path);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(25), Html.JobRows(first).Select(r => r.Id));
        Assert.Equal(Enumerable.Range(6, 25).Reverse().Select(i => $"job-{i:D2}.csv"), Html.Texts(first, "job-file-name"));
        Assert.Empty(Html.Tags(first, "previous-page"));
        var next = Html.Tags(first, "next-page").Single();
        Assert.Equal($"{path}?after={ids[5]}&page=2", Html.Attribute(next, "href"));
        Assert.Equal($"{path}?after={ids[5]}&page=2", Html.Attribute(next, "hx-get"));

        using var secondResponse = await JobTrackerApp.GetHtmxAsync(admin, $"{path}?after={ids[5]}&page=2");
        var second = await secondResponse.Content.ReadAsStringAsync();
        Assert.Equal(ids.Take(5).Reverse(), Html.JobRows(second).Select(r => r.Id));
        Assert.Equal(["job-05.csv", "job-04.csv", "job-03.csv", "job-02.csv", "job-01.csv"], Html.Texts(second, "job-file-name"));
        Assert.Empty(Html.Tags(second, "next-page"));
        Assert.Equal(path, Html.Attribute(Html.Tags(second, "previous-page").Single(), "href"));

        var third = await admin.GetStringAsync($"{path}?after={ids[0]}&page=3");
        Assert.Empty(Html.JobRows(third));
        Assert.Contains("There are no jobs on this page.", Html.Text(third, "empty-state"));
    }

    [Fact]
    public async Task A_collection_without_jobs_says_so()
    {
        var collectionId = app.CreateCollection("Nothing Yet");
        using var admin = await app.SignInAsync();

        var page = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");

        Assert.Empty(Html.JobRows(page));
        Assert.Equal("No jobs yet. Jobs appear here as soon as a file is imported into Nothing Yet.", Html.Text(page, "empty-state"));
    }

    [Fact]
    public async Task A_file_name_with_markup_is_shown_as_text_on_the_Job_Tracker_and_the_details_page()
    {
        const string fileName = "<img src=x onerror=alert(1)>.csv";
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var jobId = await app.UploadAsync(admin, collectionId, fileName, "customerId,name\nX1,x\n");
        await app.WaitForStatusAsync(jobId, Status.Completed);
        Assert.Equal(fileName, app.Job(jobId).FileName);

        foreach (var path in new[] { $"/Collections/{collectionId}/Jobs", $"/Jobs/{jobId}" })
        {
            var page = await admin.GetStringAsync(path);
            Assert.DoesNotContain("<img", page);
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt;.csv", page);
            Assert.Equal(fileName, Html.Text(page, "job-file-name"));
        }

        using var file = await admin.GetAsync($"/Jobs/{jobId}/File");
        Assert.Equal(fileName, file.Content.Headers.ContentDisposition!.FileNameStar);
    }

    [Theory]
    [InlineData("/Workspaces/987654")]
    [InlineData("/Collections/987654")]
    [InlineData("/Collections/987654/Jobs")]
    [InlineData("/Collections/987654/Import")]
    [InlineData("/Jobs/987654")]
    [InlineData("/Jobs/987654/AuditLog")]
    [InlineData("/Jobs/987654/File")]
    [InlineData("/Jobs/not-a-number")]
    [InlineData("/no/such/page")]
    public async Task An_unknown_address_gets_the_not_found_page_without_a_stack_trace(string path)
    {
        using var admin = await app.SignInAsync();

        using var response = await admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        var error = Html.Tags(page, "error-page").Single();
        Assert.Equal("404", Html.Attribute(error, "data-status-code"));
        Assert.Contains("<h1>Not found</h1>", page);
        AssertNoInternals(page);
    }

    [Fact]
    public async Task A_job_without_an_uploaded_file_has_no_original_file_to_download()
    {
        var jobId = app.InsertJob(app.CreateCollection(), Status.Completed);
        using var admin = await app.SignInAsync();

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        using var response = await admin.GetAsync($"/Jobs/{jobId}/File");

        Assert.Single(Html.Tags(details, "download-audit-log"));
        Assert.Empty(Html.Tags(details, "download-file"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertNoInternals(await response.Content.ReadAsStringAsync());
    }

    private static void AssertNoInternals(string page)
    {
        Assert.DoesNotContain("Exception", page);
        Assert.DoesNotContain("   at ", page);
        Assert.DoesNotContain(".cs:line", page);
        Assert.DoesNotContain("JobTracker.Web.Pages", page);
    }

    private static async Task<string> JobTableTagAsync(HttpClient client, string path, bool htmx = false)
    {
        using var response = htmx ? await JobTrackerApp.GetHtmxAsync(client, path) : await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Html.Tags(await response.Content.ReadAsStringAsync(), "job-table").Single();
    }

    private static async Task<HttpResponseMessage> HistoryRestoreAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-History-Restore-Request", "true");
        return await client.SendAsync(request);
    }
}
