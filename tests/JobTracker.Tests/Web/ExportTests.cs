using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Collections;

namespace JobTracker.Tests.Web;

/// <summary>One app whose collection holds the 50 rows of the sample file, exported for real by the admin (20 records a file: 3 files).</summary>
public sealed class ExportFixture : IAsyncLifetime
{
    public const string ExportName = "sample.export";

    public JobTrackerApp App { get; } = new();

    public long CollectionId { get; private set; }

    public long ImportJobId { get; private set; }

    public long ExportJobId { get; private set; }

    public async Task InitializeAsync()
    {
        CollectionId = App.CreateCollection("Exported Customers");
        using var admin = await App.SignInAsync();
        ImportJobId = await App.UploadAsync(admin, CollectionId, "customers.csv", await File.ReadAllBytesAsync(JobTrackerApp.SampleFilePath));
        await App.WaitForStatusAsync(ImportJobId, Status.Completed);
        ExportJobId = await ExportTests.SubmitExportAsync(App, admin, CollectionId, ExportName, "20");
        await App.WaitForStatusAsync(ExportJobId, Status.Completed);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The export form, the export's Job Tracker row and Job Details, and the batch-file and archive downloads, over real HTTP.</summary>
public sealed class ExportTests(ExportFixture fixture) : IClassFixture<ExportFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task Admins_find_Export_in_the_collection_actions_and_the_job_tracker_and_others_do_not()
    {
        var workspacePath = $"/Workspaces/{App.WorkspaceId("Acme Retail")}";
        var trackerPath = $"/Collections/{fixture.CollectionId}/Jobs";
        var formPath = $"/Collections/{fixture.CollectionId}/Export";
        using var admin = await App.SignInAsync();

        var workspace = await admin.GetStringAsync(workspacePath);
        var row = Html.Tags(workspace, "collection-row").Single(t => Html.Attribute(t, "data-collection-id") == fixture.CollectionId.ToString());
        Assert.NotNull(row);
        Assert.Contains(formPath, Html.Tags(workspace, "export-link").Select(t => Html.Attribute(t, "href")));
        Assert.Equal(formPath, Html.Attribute(Html.Tags(await admin.GetStringAsync(trackerPath), "export-link").Single(), "href"));
        Assert.Equal(formPath, Html.Attribute(Html.Tags(await admin.GetStringAsync($"/Collections/{fixture.CollectionId}"), "export-link").Single(), "href"));

        foreach (var role in new[] { Roles.Support, Roles.Viewer })
        {
            using var other = await App.SignInAsAsync(role);
            Assert.Empty(Html.Tags(await other.GetStringAsync(workspacePath), "export-link"));
            Assert.Empty(Html.Tags(await other.GetStringAsync(trackerPath), "export-link"));
        }
    }

    [Fact]
    public async Task The_form_suggests_a_valid_name_and_10000_records_per_file()
    {
        using var admin = await App.SignInAsync();
        var form = await admin.GetStringAsync($"/Collections/{fixture.CollectionId}/Export");

        var name = Html.Attribute(Html.Tags(form, "export-name").Single(), "value");
        Assert.Matches("^exported-customers-[0-9]{8}$", name);
        Assert.Null(ExportSubmission.ValidateName(name));
        Assert.Equal("10000", Html.Attribute(Html.Tags(form, "records-per-file").Single(), "value"));
        Assert.Single(Html.Tags(form, "start-export"));
        Assert.Contains("name=\"__RequestVerificationToken\"", form);
    }

    [Theory]
    [InlineData("Customers", "customers-20250131")]
    [InlineData("Acme Retail / Q1 (EU)", "acme-retail-q1-eu-20250131")]
    [InlineData("***", "export-20250131")]
    [InlineData("Kunden Ü", "kunden-20250131")]
    public void The_suggested_name_is_the_collection_name_made_valid_with_the_date(string collectionName, string expected)
    {
        var name = ExportModel.SuggestedName(collectionName, new DateTime(2025, 1, 31, 23, 0, 0, DateTimeKind.Utc));
        Assert.Equal(expected, name);
        Assert.Null(ExportSubmission.ValidateName(name));
    }

    [Theory]
    [InlineData("my export", "10", "The export name 'my export' can only use letters, digits, '-', '_' and '.'")]
    [InlineData("../../etc", "10", "The export name '../../etc' can only use letters, digits, '-', '_' and '.'")]
    [InlineData("", "10", "Give the export a name.")]
    [InlineData("fine", "0", "Records per file must be between 1 and 1,000,000.")]
    [InlineData("fine", "ten", "Records per file must be between 1 and 1,000,000.")]
    [InlineData("fine", "", "Records per file must be between 1 and 1,000,000.")]
    public async Task A_refused_form_comes_back_with_a_clear_message_and_queues_nothing(string exportName, string recordsPerFile, string message)
    {
        using var admin = await App.SignInAsync();
        var jobsBefore = App.Count("jobs");

        using var response = await PostExportAsync(admin, fixture.CollectionId, exportName, recordsPerFile,
            await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{fixture.CollectionId}/Export"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("HX-Redirect"));
        var partial = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<form id=\"export-form\"", partial.TrimStart());
        Assert.Contains(message, Html.Text(partial, "validation-summary"));
        Assert.Equal(exportName, Html.Attribute(Html.Tags(partial, "export-name").Single(), "value") ?? "");
        Assert.Equal(jobsBefore, App.Count("jobs"));
    }

    [Fact]
    public async Task An_htmx_post_queues_the_export_and_lands_on_the_job_tracker_which_lists_it_as_an_Export()
    {
        using var admin = await App.SignInAsync();
        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{fixture.CollectionId}/Export");

        using var response = await PostExportAsync(admin, fixture.CollectionId, "  listed-1  ", "25", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/Collections/{fixture.CollectionId}/Jobs", response.Headers.GetValues("HX-Redirect").Single());
        var jobId = App.LastJobId(fixture.CollectionId)!.Value;
        var job = App.Job(jobId);
        Assert.Equal((JobTypes.Export, "listed-1", "listed-1", 25, JobTrackerApp.AdminUser), (job.JobType, job.ExportName, job.FileName, job.BatchSize, job.InitiatedBy));
        await App.WaitForStatusAsync(jobId, Status.Completed);

        var tracker = await admin.GetStringAsync($"/Collections/{fixture.CollectionId}/Jobs");
        Assert.Equal((jobId, Status.Completed), Html.JobRows(tracker).First());
        var row = RowOf(tracker, jobId);
        Assert.Contains("<td>Export</td>", row);
        Assert.Equal("listed-1", Html.Text(row, "job-file-name"));
        Assert.Equal("50 / 50", Html.Text(row, "job-rows"));
    }

    [Fact]
    public async Task A_plain_form_post_carries_the_hidden_token_and_is_redirected_to_the_job_tracker()
    {
        using var admin = await App.SignInAsync();
        var form = await admin.GetStringAsync($"/Collections/{fixture.CollectionId}/Export");
        var jobsBefore = App.Count("jobs");

        using var withoutToken = await admin.PostAsync($"/Collections/{fixture.CollectionId}/Export", Fields("plain", "10"));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(jobsBefore, App.Count("jobs"));

        var fields = new Dictionary<string, string>
        {
            ["Input.ExportName"] = "plain",
            ["Input.RecordsPerFile"] = "10",
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        };
        using var posted = await admin.PostAsync($"/Collections/{fixture.CollectionId}/Export", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal($"/Collections/{fixture.CollectionId}/Jobs", posted.Headers.Location!.OriginalString);
        var job = App.Job(App.LastJobId(fixture.CollectionId)!.Value);
        Assert.Equal((JobTypes.Export, "plain"), (job.JobType, job.ExportName));
        await App.WaitForStatusAsync(job.Id, Status.Completed);
    }

    [Fact]
    public async Task Job_Details_of_an_export_offers_a_Download_per_finished_batch_and_Download_all_but_no_audit_log()
    {
        using var support = await App.SignInAsAsync(Roles.Support);
        var details = await support.GetStringAsync($"/Jobs/{fixture.ExportJobId}");

        Assert.Equal("Export", Html.Text(details, "job-type"));
        Assert.Equal(ExportFixture.ExportName, Html.Text(details, "job-file-name"));
        Assert.Equal("50 / 50", Html.Text(details, "rows-processed"));
        Assert.Equal([(0, Status.Completed), (1, Status.Completed), (2, Status.Completed)], Html.BatchRows(details));
        Assert.Equal(["20 / 20", "20 / 20", "10 / 10"], Html.Texts(details, "batch-processed"));
        Assert.Equal(
            Enumerable.Range(0, 3).Select(n => $"/Jobs/{fixture.ExportJobId}/Batches/{n}/Download"),
            Html.Tags(details, "download-batch").Select(t => Html.Attribute(t, "href")));
        Assert.Contains($"{ExportFixture.ExportName}-0.json", details);
        var all = Html.Tags(details, "download-all").Single();
        Assert.Equal($"/Jobs/{fixture.ExportJobId}/Download", Html.Attribute(all, "href"));
        Assert.Contains($"{ExportFixture.ExportName}.zip", Html.Text(details, "download-all"));
        Assert.Empty(Html.Tags(details, "download-audit-log"));
        Assert.Empty(Html.Tags(details, "download-file"));
        Assert.Empty(Html.Tags(details, "empty-export"));
    }

    [Fact]
    public async Task Batch_0_downloads_as_its_json_file_with_the_first_records_in_key_order()
    {
        using var support = await App.SignInAsAsync(Roles.Support);
        using var response = await support.GetAsync($"/Jobs/{fixture.ExportJobId}/Batches/0/Download");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"{ExportFixture.ExportName}-0.json", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        var records = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        var stored = App.Records(fixture.CollectionId);
        var firstKeys = stored.Keys.Order(StringComparer.Ordinal).Take(20).ToList();
        Assert.Equal(firstKeys, records.Select(r => r!["customerId"]!.GetValue<string>()));
        Assert.All(records, r => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored[r!["customerId"]!.GetValue<string>()].Data), r)));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, records[0]!["amount"]!.GetValueKind());
        Assert.Equal(System.Text.Json.JsonValueKind.True, records.First(r => r!["active"]!.GetValueKind() == System.Text.Json.JsonValueKind.True)!["active"]!.GetValueKind());
    }

    [Fact]
    public async Task Download_all_streams_one_zip_of_every_batch_file()
    {
        using var admin = await App.SignInAsync();
        using var response = await admin.GetAsync($"/Jobs/{fixture.ExportJobId}/Download", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"{ExportFixture.ExportName}.zip", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        // Streamed: written as it is made, so its length is not known up front.
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.True(response.Headers.TransferEncodingChunked);

        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(Enumerable.Range(0, 3).Select(n => $"{ExportFixture.ExportName}-{n}.json"), zip.Entries.Select(e => e.FullName));
        var counts = new List<int>();
        var keys = new List<string>();
        foreach (var entry in zip.Entries)
        {
            await using var content = entry.Open();
            var records = (await JsonNode.ParseAsync(content))!.AsArray();
            counts.Add(records.Count);
            keys.AddRange(records.Select(r => r!["customerId"]!.GetValue<string>()));
        }
        Assert.Equal([20, 20, 10], counts);
        Assert.Equal(App.Records(fixture.CollectionId).Keys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task A_viewer_can_neither_download_export_files_nor_export()
    {
        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        var details = await viewer.GetStringAsync($"/Jobs/{fixture.ExportJobId}");
        Assert.Empty(Html.Tags(details, "download-batch"));
        Assert.Empty(Html.Tags(details, "download-all"));
        Assert.Equal(3, Html.Tags(details, "batch-file-name").Count);

        foreach (var path in new[] { $"/Jobs/{fixture.ExportJobId}/Batches/0/Download", $"/Jobs/{fixture.ExportJobId}/Download", $"/Collections/{fixture.CollectionId}/Export" })
        {
            using var response = await viewer.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/Account/AccessDenied", response.Headers.Location!.AbsolutePath);
            Assert.Null(response.Content.Headers.ContentDisposition);
        }

        var jobsBefore = App.Count("jobs");
        using var post = await PostExportAsync(viewer, fixture.CollectionId, "sneaky", "10", Html.MetaRequestToken(details));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(jobsBefore, App.Count("jobs"));
    }

    [Fact]
    public async Task Only_committed_export_batches_have_a_file_to_download()
    {
        using var admin = await App.SignInAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/Jobs/{fixture.ExportJobId}/Batches/3/Download")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/Jobs/{fixture.ImportJobId}/Batches/0/Download")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/Jobs/{fixture.ImportJobId}/Download")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/Jobs/987654/Download")).StatusCode);

        // An export waiting behind a job of another process: no batch has committed, so nothing is offered.
        var collectionId = App.CreateCollection();
        var blocker = App.InsertBlockingJob(collectionId);
        var waiting = await SubmitExportAsync(App, admin, collectionId, "waiting", "10");
        var details = await admin.GetStringAsync($"/Jobs/{waiting}");
        Assert.Equal(Status.Queued, Html.Text(details, "job-status"));
        Assert.Empty(Html.Tags(details, "download-all"));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/Jobs/{waiting}/Batches/0/Download")).StatusCode);
        await App.StopJobAsync(blocker);
        await App.WaitForStatusAsync(waiting, Status.Completed);
    }

    [Fact]
    public async Task An_empty_collection_exports_as_COMPLETED_0_of_0_and_Job_Details_says_so()
    {
        var collectionId = App.CreateCollection("Nothing To Export");
        using var admin = await App.SignInAsync();
        var jobId = await SubmitExportAsync(App, admin, collectionId, "empty", "10000");
        await App.WaitForStatusAsync(jobId, Status.Completed);

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal("The collection was empty: the export has one empty file.", Html.Text(details, "empty-export"));
        Assert.Equal("0 / 0", Html.Text(details, "rows-processed"));
        Assert.Equal([(0, Status.Completed)], Html.BatchRows(details));
        using var file = await admin.GetAsync($"/Jobs/{jobId}/Batches/0/Download");
        Assert.Equal("[]", (await file.Content.ReadAsStringAsync()).Trim());
        Assert.Equal("0 / 0", Html.Text(RowOf(await admin.GetStringAsync($"/Collections/{collectionId}/Jobs"), jobId), "job-rows"));
    }

    // ---------------------------------------------------------------- helpers

    private static FormUrlEncodedContent Fields(string exportName, string recordsPerFile) => new(new Dictionary<string, string>
    {
        ["Input.ExportName"] = exportName,
        ["Input.RecordsPerFile"] = recordsPerFile,
    });

    /// <summary>POSTs the export form as htmx does from the page: the fields, HX-Request, and the token in the header.</summary>
    public static async Task<HttpResponseMessage> PostExportAsync(HttpClient client, long collectionId, string exportName, string recordsPerFile, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Collections/{collectionId}/Export") { Content = Fields(exportName, recordsPerFile) };
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-Current-URL", new Uri(client.BaseAddress!, $"/Collections/{collectionId}/Export").ToString());
        if (token is not null) request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        return await client.SendAsync(request);
    }

    /// <summary>Submits the export form as the signed-in admin and returns the id of the export job it queued.</summary>
    public static async Task<long> SubmitExportAsync(JobTrackerApp app, HttpClient admin, long collectionId, string exportName, string recordsPerFile)
    {
        var before = app.LastJobId(collectionId) ?? 0;
        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Export");
        using var response = await PostExportAsync(admin, collectionId, exportName, recordsPerFile, token);
        Assert.True(response.Headers.Contains("HX-Redirect"), $"the export form answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var after = app.LastJobId(collectionId);
        Assert.True(after > before, "the export form queued no job");
        return after!.Value;
    }

    /// <summary>The markup of one job's row in the Job Tracker.</summary>
    private static string RowOf(string tracker, long jobId)
    {
        var start = tracker.IndexOf($"data-job-id=\"{jobId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"job {jobId} is not in the Job Tracker");
        var end = tracker.IndexOf("</tr>", start, StringComparison.Ordinal);
        return tracker[tracker.LastIndexOf("<tr", start, StringComparison.Ordinal)..end];
    }
}
