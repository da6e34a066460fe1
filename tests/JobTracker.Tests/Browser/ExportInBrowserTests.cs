using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>An export in a real browser: the form posted by htmx, the Job Tracker polling it to COMPLETED, and the downloads.</summary>
public sealed class ExportInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task An_admin_exports_a_collection_watches_it_complete_and_downloads_batch_0_and_the_archive()
    {
        var collectionId = App.CreateCollection("Browser Export");
        using (var admin = await App.SignInAsync())
        {
            var import = await App.UploadAsync(admin, collectionId, "customers.csv", await File.ReadAllBytesAsync(JobTrackerApp.SampleFilePath));
            await App.WaitForStatusAsync(import, Status.Completed);
        }
        // A job of another process holds the collection: the export waits QUEUED until the test lets it go,
        // so the page is seen to change from QUEUED to COMPLETED by polling, whatever the machine's speed.
        var jobAhead = App.InsertBlockingJob(collectionId);
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.Locator("#user-name").FillAsync(JobTrackerApp.AdminUser);
        await page.Locator("#password").FillAsync(JobTrackerApp.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await page.GetByTestId("workspaces-link").ClickAsync();
        await page.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await page.Locator($"[data-testid=collection-row][data-collection-id='{collectionId}'] [data-testid=export-link]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Export$"));

        // A bad name is refused in place, with the reason.
        await page.GetByTestId("export-name").FillAsync("my export");
        await page.GetByTestId("start-export").ClickAsync();
        await Expect(page.GetByTestId("validation-summary")).ToContainTextAsync("can only use letters, digits, '-', '_' and '.'");
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Export$"));

        await page.GetByTestId("export-name").FillAsync("browser-run");
        await page.GetByTestId("records-per-file").FillAsync("20");
        await page.GetByTestId("start-export").ClickAsync();

        // htmx follows the HX-Redirect to the Job Tracker; the new job is the first row.
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        var jobId = App.LastJobId(collectionId)!.Value;
        var row = page.Locator($"[data-testid=job-row][data-job-id='{jobId}']");
        await Expect(row.GetByTestId("job-file-name")).ToHaveTextAsync("browser-run");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Export");
        await Expect(row.GetByTestId("job-row-status")).ToHaveTextAsync("QUEUED");

        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await App.StopJobAsync(jobAhead);
        await Expect(row.GetByTestId("job-row-status")).ToHaveTextAsync("COMPLETED", new() { Timeout = 30_000 });
        await Expect(row.GetByTestId("job-rows")).ToHaveTextAsync("50 / 50");
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");

        await row.GetByTestId("view-details").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("COMPLETED");
        await Expect(page.GetByTestId("download-batch")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("download-audit-log")).ToHaveCountAsync(0);

        var batch0 = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-batch][data-batch-no='0']").ClickAsync());
        Assert.Equal("browser-run-0.json", batch0.SuggestedFilename);
        var records = JsonNode.Parse(await File.ReadAllTextAsync((await batch0.PathAsync())!))!.AsArray();
        Assert.Equal(20, records.Count);
        Assert.Equal("C0001", records[0]!["customerId"]!.GetValue<string>());

        var all = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-all").ClickAsync());
        Assert.Equal("browser-run.zip", all.SuggestedFilename);
        using var zip = ZipFile.OpenRead((await all.PathAsync())!);
        Assert.Equal(["browser-run-0.json", "browser-run-1.json", "browser-run-2.json"], zip.Entries.Select(e => e.FullName));
        var total = 0;
        foreach (var entry in zip.Entries)
        {
            await using var content = entry.Open();
            total += (await JsonNode.ParseAsync(content))!.AsArray().Count;
        }
        Assert.Equal(50, total);
    }
}
