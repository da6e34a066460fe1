using System.Text;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// The console in a real browser: htmx uploads, polling, the batch filter and downloads, as people use them.
/// Kept to two scenarios; the HTTP tests in Web/ cover the rest.
/// </summary>
public sealed class ImportInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task An_admin_imports_the_sample_file_watches_it_complete_filters_its_batches_and_downloads_the_audit_log()
    {
        var collectionId = App.CustomersCollectionId;
        // A job of another process holds Customers: the upload waits QUEUED until the test lets it go,
        // so the page is seen to change from QUEUED to COMPLETED by polling, whatever the machine's speed.
        var jobAhead = App.InsertBlockingJob(collectionId);
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await BrowserFixture.SignInAsync(page, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        await page.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await page.GetByTestId("collection-link").Filter(new() { HasTextRegex = new Regex("^Customers$") }).ClickAsync();
        await page.GetByTestId("import-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Import$"));
        await page.Locator("#import-file").SetInputFilesAsync(JobTrackerApp.SampleFilePath);
        await page.GetByTestId("start-import").ClickAsync();

        // htmx follows the HX-Redirect to the Job Tracker; the new job is the first row.
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        var row = page.GetByTestId("job-row").First;
        var jobId = await row.GetAttributeAsync("data-job-id");
        Assert.Equal(App.LastJobId(collectionId).ToString(), jobId);
        var status = page.Locator($"[data-testid=job-row][data-job-id='{jobId}'] [data-testid=job-row-status]");
        await Expect(status).ToHaveTextAsync("QUEUED");
        await Expect(page.GetByTestId("job-table")).ToHaveAttributeAsync("data-polling", "true");

        // Let it run; the table must change in place, without a reload (the marker would be lost).
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await App.StopJobAsync(jobAhead);
        await Expect(status).ToHaveTextAsync("COMPLETED", new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        var jobRow = page.Locator($"[data-testid=job-row][data-job-id='{jobId}']");
        await Expect(jobRow.GetByTestId("job-rows")).ToHaveTextAsync("50 / 50");
        await Expect(page.GetByTestId("job-table")).ToHaveAttributeAsync("data-polling", "false");

        await jobRow.GetByTestId("view-details").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("COMPLETED");
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(3);

        // The filter swaps the table in place and puts the filter in the address.
        await page.Locator("#batch-filter").SelectOptionAsync("failed");
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}\\?status=failed$"));
        await Expect(page.GetByTestId("empty-batches")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(0);
        await page.Locator("#batch-filter").SelectOptionAsync("completed");
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}\\?status=completed$"));
        var batches = page.GetByTestId("batch-row");
        await Expect(batches).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
            await Expect(batches.Nth(i)).ToHaveAttributeAsync("data-status", "COMPLETED");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-audit-log").ClickAsync());
        Assert.Equal($"audit-{jobId}.csv", download.SuggestedFilename);
        var audit = Csv.Parse(Encoding.UTF8.GetString(await File.ReadAllBytesAsync((await download.PathAsync())!)).TrimStart('\uFEFF'));
        Assert.Equal(["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"], audit[0]);
        Assert.Equal(50, audit.Count - 1);
        Assert.All(audit.Skip(1), line => Assert.Equal("created", line[3]));

        await Expect(page.Locator("#refresh-job")).ToHaveCountAsync(0);
        await Expect(page.Locator("#stop-job")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_viewer_finds_no_import_action_and_no_download_buttons()
    {
        var collectionId = App.CreateCollection("Viewed Records");
        using (var admin = await App.SignInAsync())
        {
            var finished = await App.UploadAsync(admin, collectionId, "viewed.csv", "customerId,name\nV1,Ada\nV2,Grace\n");
            await App.WaitForStatusAsync(finished, Status.Completed);
        }
        var viewer = App.CreateUser(Roles.Viewer);
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await BrowserFixture.SignInAsync(page, viewer, JobTrackerApp.UserPassword);
        await page.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await Expect(page.GetByTestId("collection-link").Filter(new() { HasTextRegex = new Regex("^Viewed Records$") })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("import-link")).ToHaveCountAsync(0);

        await page.GetByTestId("collection-link").Filter(new() { HasTextRegex = new Regex("^Viewed Records$") }).ClickAsync();
        await Expect(page.GetByTestId("record-count")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("import-link")).ToHaveCountAsync(0);

        await page.GetByTestId("job-tracker-link").ClickAsync();
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("import-link")).ToHaveCountAsync(0);

        await page.GetByTestId("view-details").ClickAsync();
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("COMPLETED");
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("download-audit-log")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("download-file")).ToHaveCountAsync(0);
        await Expect(page.Locator("#stop-job")).ToHaveCountAsync(0);

        await page.GotoAsync($"/Collections/{collectionId}/Import");
        await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Expect(page.Locator("#import-file")).ToHaveCountAsync(0);
    }
}
