using System.Text;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// Issue 9's "Done when", in a real browser: from a RAN WITH ERRORS import to a corrected, completed retry
/// without leaving the console. Retry failed rows is an admin's action (like Import, policy CanChange), so
/// an admin walks it: imports a file with bad rows, downloads the failed rows, fixes them as in a
/// spreadsheet, retries with the corrected file, follows the links both ways and sees the records; then a
/// support user opens the same jobs and sees what they can: the failed rows to download, the link to the
/// retry, no Retry button. Neither page logs a console error or a CSP violation.
/// </summary>
public sealed class SupportFixesFailedRowsInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string CollectionName = "Fixable Customers";

    private JobTrackerApp App => fixture.App;

    /// <summary>45 rows (batches of 20: three batches), three of them bad, one of those with a quoted comma.</summary>
    private static string FileWithBadRows()
    {
        var text = new StringBuilder("customerId,name,email,amount\n");
        for (var i = 1; i <= 45; i++)
        {
            text.Append(i switch
            {
                7 => "W07,Customer 7,w07@example.com,twelve",
                19 => "W19,,w19@example.com,19.50",
                33 => "W33,\"Lovelace, Ada\",ada@example.com,n/a",
                _ => $"W{i:D2},Customer {i},w{i:D2}@example.com,{i}.50",
            }).Append('\n');
        }
        return text.ToString();
    }

    [Fact]
    public async Task From_a_job_that_ran_with_errors_to_a_corrected_completed_retry_without_leaving_the_console()
    {
        var collectionId = App.CreateCollection(CollectionName);
        await using var admin = await WatchedPage.SignedInAsync(fixture, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var page = admin.Page;

        // The import, through the form.
        await page.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await page.GetByTestId("collection-link").Filter(new() { HasTextRegex = new Regex($"^{CollectionName}$") }).ClickAsync();
        await page.GetByTestId("import-link").ClickAsync();
        await page.Locator("#import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "march-customers.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(FileWithBadRows()),
        });
        await page.GetByTestId("start-import").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        var jobId = App.LastJobId(collectionId)!.Value;
        var row = page.Locator($"[data-testid=job-row][data-job-id='{jobId}']");
        await fixture.ExpectJobStatusAsync(row.GetByTestId("job-row-status"), jobId, Status.RanWithErrors);
        await Expect(row.GetByTestId("job-rows")).ToHaveTextAsync("42 / 45");

        // Job Details: the failed rows, downloaded.
        await row.GetByTestId("view-details").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.RanWithErrors);
        await Expect(page.GetByTestId("failed-rows")).ToHaveTextAsync("(3 failed)");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-failed-rows").ClickAsync());
        Assert.Equal($"job-{jobId}-failed-rows.csv", download.SuggestedFilename);
        var failedRows = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal(
        [
            ["customerId", "name", "email", "amount", "_error_field", "_error_message"],
            ["W07", "Customer 7", "w07@example.com", "twelve", "amount", "amount must be a decimal number; got 'twelve'."],
            ["W19", "", "w19@example.com", "19.50", "name", "name is required."],
            ["W33", "Lovelace, Ada", "ada@example.com", "n/a", "amount", "amount must be a decimal number; got 'n/a'."],
        ], Csv.Parse(failedRows));
        Assert.Contains("W33,\"Lovelace, Ada\",ada@example.com,n/a,", failedRows, StringComparison.Ordinal); // the original text

        // Fixed as in a spreadsheet: the cells corrected, the two error columns left in (the import ignores them).
        var corrected = failedRows.Replace(",twelve,", ",12.50,", StringComparison.Ordinal)
            .Replace("W19,,", "W19,Grace Hopper,", StringComparison.Ordinal)
            .Replace(",n/a,", ",33.50,", StringComparison.Ordinal);
        Assert.NotEqual(failedRows, corrected);

        // Retry failed rows with the corrected file: the new job's Details, linked both ways.
        await page.Locator("#retry-file").SetInputFilesAsync(new FilePayload
        {
            Name = "march-customers-fixed.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(corrected),
        });
        await page.GetByTestId("retry-failed-rows").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page).ToHaveURLAsync(new Regex("/Jobs/[0-9]+$"));
        var retryId = long.Parse(new Uri(page.Url).Segments[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(App.LastJobId(collectionId), retryId);
        await Expect(page.GetByTestId("job-retry-of")).ToHaveTextAsync($"Retry of job {jobId}");
        await Expect(page.GetByTestId("job-file-name")).ToHaveTextAsync("march-customers-fixed.csv");

        await page.GetByTestId("job-retry-of").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.GetByTestId("job-retried-by")).ToHaveTextAsync($"Retried by job {retryId}");
        await page.GetByTestId("job-retried-by").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{retryId}$"));
        await fixture.ExpectJobStatusAsync(page.Locator("#job-status"), retryId, Status.Completed);
        await Expect(page.GetByTestId("rows-processed")).ToHaveTextAsync("3 / 3");
        await Expect(page.GetByTestId("retry-failed-rows")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("download-failed-rows")).ToHaveCountAsync(0);

        // The Job Tracker shows both; the collection holds every row of the original file.
        await page.GetByTestId("job-tracker-link").ClickAsync();
        var retryRow = page.Locator($"[data-testid=job-row][data-job-id='{retryId}']");
        await Expect(retryRow.GetByTestId("job-row-status")).ToHaveTextAsync(Status.Completed);
        await Expect(retryRow.GetByTestId("job-retry-of")).ToHaveTextAsync($"retry of #{jobId}");
        await Expect(row.GetByTestId("job-row-status")).ToHaveTextAsync(Status.RanWithErrors);
        await page.GetByRole(AriaRole.Link, new() { Name = CollectionName, Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("record-count")).ToHaveTextAsync("45");
        await page.GetByTestId("records-link").ClickAsync();
        await Expect(page.GetByTestId("record-key")).ToHaveTextAsync(Enumerable.Range(1, 45).Select(i => $"W{i:D2}").ToArray());
        await page.GetByTestId("record-key").Filter(new() { HasTextRegex = new Regex("^W33$") }).ClickAsync();
        await Expect(page.GetByTestId("record-json")).ToContainTextAsync("\"name\": \"Lovelace, Ada\"");
        await Expect(page.GetByTestId("record-json")).ToContainTextAsync("33.5");
        await Expect(page.GetByTestId("record-last-job-link")).ToHaveTextAsync($"job {retryId}");
        Assert.Equal(45, App.Records(collectionId).Count);
        Assert.Contains("Grace Hopper", App.Records(collectionId)["W19"].Data, StringComparison.Ordinal);
        admin.AssertNoErrors();

        // A support user: the same jobs, the failed rows to download and the links, but no Retry (admins only).
        var supportUser = App.CreateUser(Roles.Support);
        await using var support = await WatchedPage.SignedInAsync(fixture, supportUser, JobTrackerApp.UserPassword);
        var supportPage = support.Page;
        await supportPage.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await supportPage.GetByTestId("collection-link").Filter(new() { HasTextRegex = new Regex($"^{CollectionName}$") }).ClickAsync();
        await supportPage.GetByTestId("job-tracker-link").ClickAsync();
        await supportPage.Locator($"[data-testid=job-row][data-job-id='{jobId}'] [data-testid=view-details]").ClickAsync();
        await Expect(supportPage.Locator("#job-status")).ToHaveTextAsync(Status.RanWithErrors);
        await Expect(supportPage.GetByTestId("job-retried-by")).ToHaveTextAsync($"Retried by job {retryId}");
        await Expect(supportPage.GetByTestId("retry-form")).ToHaveCountAsync(0);
        await Expect(supportPage.GetByTestId("retry-failed-rows")).ToHaveCountAsync(0);
        var supportDownload = await supportPage.RunAndWaitForDownloadAsync(() => supportPage.GetByTestId("download-failed-rows").ClickAsync());
        Assert.Equal(failedRows, await File.ReadAllTextAsync((await supportDownload.PathAsync())!));
        await supportPage.GetByTestId("job-retried-by").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(supportPage.Locator("#job-status")).ToHaveTextAsync(Status.Completed);
        await Expect(supportPage.GetByTestId("job-retry-of")).ToHaveTextAsync($"Retry of job {jobId}");
        support.AssertNoErrors();
    }
}
