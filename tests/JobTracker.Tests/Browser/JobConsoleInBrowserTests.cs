using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// Issue 9's features in a real browser, as an admin uses them: a dry run and its Import for real, the
/// record viewer, job search on the Job Tracker, and a job's progress with the per-batch audit download.
/// The HTTP tests in Web/ cover their rules; these see the pages work (links, forms, htmx swaps, pushed
/// URLs, polling, downloads) without one console error or CSP violation.
/// </summary>
public sealed class JobConsoleInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    private Task<WatchedPage> AdminAsync() => WatchedPage.SignedInAsync(fixture, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);

    private async Task<long> ImportAsync(long collectionId, string fileName, string content, string status = Status.Completed)
    {
        using var client = await App.SignInAsync();
        var jobId = await App.UploadAsync(client, collectionId, fileName, content);
        await App.WaitForStatusAsync(jobId, status);
        return jobId;
    }

    [Fact]
    public async Task A_dry_run_writes_nothing_says_what_it_would_do_and_imports_for_real_in_one_click()
    {
        var collectionId = App.CreateCollection("Checked Customers");
        await ImportAsync(collectionId, "seed.csv", "customerId,name\nD1,One\nD2,Two\n");
        var before = App.Records(collectionId);
        await using var admin = await AdminAsync();
        var page = admin.Page;

        await page.GotoAsync($"/Collections/{collectionId}");
        await page.GetByTestId("import-link").ClickAsync();
        await page.GetByTestId("validate-only").CheckAsync();
        await page.Locator("#import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "checked.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("customerId,name\nD1,Uno\nD2,Dos\nD3,Tres\nD4,Cuatro\nD5,Cinco\n"),
        });
        await page.GetByTestId("start-import").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        var dryRunId = App.LastJobId(collectionId)!.Value;
        var row = page.Locator($"[data-testid=job-row][data-job-id='{dryRunId}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Import (dry run)");
        await fixture.ExpectJobStatusAsync(row.GetByTestId("job-row-status"), dryRunId, Status.Completed);

        await row.GetByTestId("view-details").ClickAsync();
        await Expect(page.GetByTestId("job-type")).ToHaveTextAsync("Import (dry run)");
        await Expect(page.GetByTestId("retry-failed-rows")).ToHaveCountAsync(0);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-audit-log").ClickAsync());
        var audit = Csv.Parse(Encoding.UTF8.GetString(await File.ReadAllBytesAsync((await download.PathAsync())!)).TrimStart('\uFEFF'));
        Assert.Equal(
        [
            ["D1", "would update"], ["D2", "would update"], ["D3", "would create"], ["D4", "would create"], ["D5", "would create"],
        ], audit.Skip(1).Select(line => new[] { line[2], line[3] }));
        Assert.Equal(before, App.Records(collectionId));

        // Import for real: a plain form post to the new job's Details.
        await page.GetByTestId("import-for-real").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new Regex($"/Jobs/{dryRunId}$"));
        await Expect(page).ToHaveURLAsync(new Regex("/Jobs/[0-9]+$"));
        var realId = App.LastJobId(collectionId)!.Value;
        Assert.EndsWith($"/Jobs/{realId}", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByTestId("job-type")).ToHaveTextAsync("Import");
        await fixture.ExpectJobStatusAsync(page.Locator("#job-status"), realId, Status.Completed);
        await Expect(page.GetByTestId("rows-processed")).ToHaveTextAsync("5 / 5");
        await Expect(page.GetByTestId("import-for-real")).ToHaveCountAsync(0);

        await page.GotoAsync($"/Collections/{collectionId}");
        await Expect(page.GetByTestId("record-count")).ToHaveTextAsync("5");
        await page.GetByTestId("records-link").ClickAsync();
        await Expect(page.GetByTestId("record-key")).ToHaveTextAsync(["D1", "D2", "D3", "D4", "D5"]);
        await Expect(page.GetByTestId("record-last-job")).ToHaveTextAsync(Enumerable.Repeat($"job {realId}", 5).ToArray());
        Assert.Contains("Uno", App.Records(collectionId)["D1"].Data, StringComparison.Ordinal);
        admin.AssertNoErrors();
    }

    [Fact]
    public async Task The_record_viewer_pages_searches_by_prefix_shows_a_records_JSON_and_links_the_job_that_last_wrote_it()
    {
        var collectionId = App.CreateCollection("Viewed Customers");
        var keys = Enumerable.Range(1, 60).Select(i => $"K{i:D3}").ToArray();
        var firstJob = await ImportAsync(collectionId, "first.csv", "customerId,name\n" + string.Concat(keys.Reverse().Select(k => $"{k},Name {k}\n")));
        var secondJob = await ImportAsync(collectionId, "second.csv", "customerId,name,amount\nK052,\"Renamed <K052>\",52.5\n");
        await using var admin = await AdminAsync();
        var page = admin.Page;

        await page.GotoAsync($"/Collections/{collectionId}");
        await page.GetByTestId("records-link").ClickAsync();
        var shownKeys = page.GetByTestId("record-key");
        await Expect(shownKeys).ToHaveTextAsync(keys[..50]);
        await Expect(page.GetByTestId("previous-page")).ToHaveCountAsync(0);
        await page.GetByTestId("next-page").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("\\?after=K050$"));
        await Expect(shownKeys).ToHaveTextAsync(keys[50..]);
        await Expect(page.GetByTestId("next-page")).ToHaveCountAsync(0);
        await page.GetByTestId("previous-page").ClickAsync();
        await Expect(shownKeys).ToHaveTextAsync(keys[..50]);

        // Search by prefix (the default match).
        await page.GetByTestId("record-search-text").FillAsync("K05");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("q=K05"));
        await Expect(shownKeys).ToHaveTextAsync(keys[49..59]);
        await Expect(page.GetByTestId("record-search-text")).ToHaveValueAsync("K05");
        var lastJobs = page.GetByTestId("record-last-job");
        await Expect(lastJobs.Nth(1)).ToHaveTextAsync($"job {firstJob}");
        await Expect(lastJobs.Nth(2)).ToHaveTextAsync($"job {secondJob}");

        // A record: its JSON, indented and encoded, and the job that last wrote it.
        await shownKeys.Filter(new() { HasTextRegex = new Regex("^K052$") }).ClickAsync();
        await Expect(page.GetByTestId("record-key")).ToHaveTextAsync("K052");
        var json = await page.GetByTestId("record-json").InnerTextAsync();
        Assert.Matches("^\\{\n  \"", json);
        Assert.Contains("\"customerId\": \"K052\"", json, StringComparison.Ordinal);
        Assert.Contains("Renamed <K052>", json, StringComparison.Ordinal); // shown as text, not markup
        await Expect(page.GetByTestId("record-last-job-link")).ToHaveTextAsync($"job {secondJob}");
        await page.GetByTestId("record-last-job-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{secondJob}$"));
        await Expect(page.GetByTestId("job-file-name")).ToHaveTextAsync("second.csv");

        // A search that finds nothing says so, and Show all records clears it.
        await page.GoBackAsync();
        await page.GoBackAsync();
        await page.GetByTestId("record-search-text").FillAsync("Z");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.GetByTestId("empty-state")).ToContainTextAsync("No record's key starts with “Z”.");
        await page.GetByTestId("clear-search").ClickAsync();
        await Expect(shownKeys).ToHaveCountAsync(50);
        admin.AssertNoErrors();
    }

    [Fact]
    public async Task Job_search_swaps_the_table_pushes_a_bookmarkable_URL_and_pages_and_a_chip_sets_the_status()
    {
        var collectionId = App.CreateCollection("Searched Customers");
        for (var i = 1; i <= 30; i++) App.InsertJob(collectionId, Status.Completed, $"orders-march-{i:D2}.csv", "schedule: Nightly");
        for (var i = 1; i <= 3; i++) App.InsertJob(collectionId, Status.Failed, $"orders-april-{i}.csv", "j.doe", succeededRows: 0);
        for (var i = 1; i <= 2; i++) App.InsertJob(collectionId, Status.RanWithErrors, $"customers-march-{i}.csv", "j.doe", succeededRows: 7);
        await using var admin = await AdminAsync();
        var page = admin.Page;
        var rows = page.GetByTestId("job-row");
        var names = page.GetByTestId("job-file-name");

        await page.GotoAsync($"/Collections/{collectionId}");
        await page.GetByTestId("job-tracker-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(names.First).ToHaveTextAsync("customers-march-2.csv");

        // The form: htmx swaps the table in place and pushes the search into the address.
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await page.GetByTestId("search-name").FillAsync("march");
        await page.GetByTestId("search-by").FillAsync("j.doe");
        await page.GetByTestId("search-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("\\?(?=.*by=j.doe)(?=.*name=march).*$"));
        await Expect(names).ToHaveTextAsync(["customers-march-2.csv", "customers-march-1.csv"]);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");

        // Bookmarkable: a reload (or the bookmark) shows the same search, filled in.
        var bookmark = page.Url;
        await page.ReloadAsync();
        Assert.Equal(bookmark, page.Url);
        await Expect(page.GetByTestId("search-name")).ToHaveValueAsync("march");
        await Expect(page.GetByTestId("search-by")).ToHaveValueAsync("j.doe");
        await Expect(names).ToHaveTextAsync(["customers-march-2.csv", "customers-march-1.csv"]);

        // The chips count per status under the other filters; one sets the status. Wait for the chip's text
        // whichever way the chips arrive.
        await page.GetByTestId("search-by").FillAsync("");
        await page.GetByTestId("search-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("\\?(?=.*name=march)(?!.*by=j).*$"));
        var failedChip = page.Locator("[data-testid=status-chip][data-status='FAILED']");
        var ranWithErrorsChip = page.Locator("[data-testid=status-chip][data-status='RAN WITH ERRORS']");
        await Expect(ranWithErrorsChip).ToHaveTextAsync(new Regex("^RAN WITH ERRORS\\s*2$"));
        await Expect(failedChip).ToHaveTextAsync(new Regex("^FAILED\\s*0$"));
        await ranWithErrorsChip.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("\\?(?=.*status=RAN(\\+|%20)WITH(\\+|%20)ERRORS)(?=.*name=march).*$"));
        await Expect(rows).ToHaveCountAsync(2);
        for (var i = 0; i < 2; i++) await Expect(rows.Nth(i)).ToHaveAttributeAsync("data-status", Status.RanWithErrors);
        await Expect(page.GetByTestId("search-status")).ToHaveValueAsync(Status.RanWithErrors);

        // Older ›: keyset paging, swapped in place, in the address too.
        await page.GetByTestId("search-status").SelectOptionAsync(Status.Completed);
        await Expect(page).ToHaveURLAsync(new Regex("\\?(?=.*status=COMPLETED)(?=.*name=march).*$"));
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(names.First).ToHaveTextAsync("orders-march-30.csv");
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await page.GetByTestId("next-page").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("[?&]after=[0-9]+&page=2"));
        await Expect(names).ToHaveTextAsync(["orders-march-05.csv", "orders-march-04.csv", "orders-march-03.csv", "orders-march-02.csv", "orders-march-01.csv"]);
        await Expect(page.GetByTestId("next-page")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        await page.GetByTestId("previous-page").ClickAsync();
        await Expect(names.First).ToHaveTextAsync("orders-march-30.csv");
        await Expect(rows).ToHaveCountAsync(25);
        admin.AssertNoErrors();
    }

    [Fact]
    public async Task A_running_import_shows_its_rate_time_left_and_chart_as_it_polls_and_each_batch_has_its_audit_download()
    {
        // An import running on another node: 200 rows in 10 batches, started 10 s ago, three batches committed.
        var collectionId = App.CreateCollection("Watched Customers");
        var now = DateTime.UtcNow;
        var running = App.InsertJob(collectionId, Status.InProgress, "big-import.csv", "admin", totalRows: 200, succeededRows: 60,
            leaseOwner: "another-node/0", leaseUntil: now.AddHours(1));
        using (var connection = App.Database.Open())
        {
            connection.Execute("UPDATE jobs SET started_at = @startedAt, batch_count = 10 WHERE id = @running", new { startedAt = now.AddSeconds(-10), running });
            for (var batchNo = 0; batchNo < 10; batchNo++)
                InsertBatch(connection, running, batchNo, batchNo < 3 ? Status.Completed : batchNo == 3 ? Status.InProgress : Status.Queued,
                    batchNo <= 3 ? now.AddSeconds(-10 + 2 * batchNo) : null, batchNo < 3 ? now.AddSeconds(-8 + 2 * batchNo) : null);
        }
        await using var admin = await AdminAsync();
        var page = admin.Page;

        try
        {
            await page.GotoAsync($"/Jobs/{running}");
            await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.InProgress);
            await Expect(page.GetByTestId("rows-per-second")).ToHaveTextAsync(new Regex("^[0-9][0-9.,]* rows/s$"));
            await Expect(page.GetByTestId("time-left")).ToHaveTextAsync(new Regex("^about .+ left$"));
            await Expect(page.GetByTestId("throughput-chart").Locator("svg")).ToBeVisibleAsync();
            Assert.Equal(60, await BarRowsAsync(page));
            Assert.Equal(3, await page.Locator("[data-testid=throughput-bar]:not([data-rows='0'])").CountAsync());
            await Expect(page.GetByTestId("batches-done")).ToHaveTextAsync("3 / 10 batches done");

            // Another batch commits: the poll brings it in place, into the chart and the figures.
            await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
            using (var connection = App.Database.Open())
            {
                connection.Execute("UPDATE batches SET status = @Completed, finished_at = @finishedAt, succeeded_rows = 20 WHERE job_id = @running AND batch_no = 3",
                    new { Status.Completed, finishedAt = DateTime.UtcNow, running });
                connection.Execute("UPDATE jobs SET succeeded_rows = 80 WHERE id = @running", new { running });
            }
            await Expect(page.GetByTestId("batches-done")).ToHaveTextAsync("4 / 10 batches done");
            await Expect(page.GetByTestId("rows-processed")).ToHaveTextAsync("80 / 200");
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('[data-testid=throughput-bar]')].reduce((sum, bar) => sum + Number(bar.dataset.rows), 0) === 80");
            await Expect(page.GetByTestId("time-left")).ToHaveTextAsync(new Regex("left$"));
            Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        }
        finally
        {
            await App.StopJobAsync(running);
        }

        // A finished import: its average, its chart, and one audit download per batch (batches of 20 rows).
        var content = "customerId,name,amount\n" + string.Concat(Enumerable.Range(1, 45).Select(i => $"P{i:D2},Name {i},{(i == 27 ? "lots" : i.ToString(CultureInfo.InvariantCulture))}\n"));
        var finished = await ImportAsync(collectionId, "finished.csv", content, Status.RanWithErrors);
        await page.GotoAsync($"/Jobs/{finished}");
        await Expect(page.GetByTestId("rows-per-second")).ToHaveTextAsync(new Regex("rows/s$|^—$"));
        await Expect(page.GetByTestId("time-left")).ToHaveCountAsync(0);
        Assert.Equal(45, await BarRowsAsync(page));
        await Expect(page.GetByTestId("download-batch-audit")).ToHaveCountAsync(3);
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-batch-audit][data-batch-no='1']").ClickAsync());
        Assert.Equal($"job-{finished}-batch-1-audit.csv", download.SuggestedFilename);
        var audit = Csv.Parse(Encoding.UTF8.GetString(await File.ReadAllBytesAsync((await download.PathAsync())!)).TrimStart('\uFEFF'));
        Assert.Equal(["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"], audit[0]);
        Assert.Equal(Enumerable.Range(21, 20).Select(i => i.ToString(CultureInfo.InvariantCulture)), audit.Skip(1).Select(line => line[0]));
        Assert.All(audit.Skip(1), line => Assert.Equal("1", line[1]));
        Assert.Equal(["P27", "failed", "amount"], audit.Single(line => line[3] == "failed")[2..5]);
        admin.AssertNoErrors();
    }

    private static async Task<long> BarRowsAsync(IPage page) =>
        await page.EvaluateAsync<long>("() => [...document.querySelectorAll('[data-testid=throughput-bar]')].reduce((sum, bar) => sum + Number(bar.dataset.rows), 0)");

    private static void InsertBatch(System.Data.IDbConnection connection, long jobId, int batchNo, string status, DateTime? startedAt, DateTime? finishedAt) =>
        connection.Execute(
            """
            INSERT INTO batches (job_id, batch_no, status, first_row, row_count, byte_offset, byte_length, first_line, started_at, finished_at, succeeded_rows, failed_rows)
            VALUES (@jobId, @batchNo, @status, @firstRow, 20, @byteOffset, 400, @firstRow, @startedAt, @finishedAt, @succeeded, 0)
            """,
            new { jobId, batchNo, status, firstRow = batchNo * 20 + 1, byteOffset = batchNo * 400L, startedAt, finishedAt, succeeded = finishedAt is null ? 0 : 20 });
}
