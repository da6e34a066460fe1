using System.Collections.Concurrent;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// Cheap polls in a real browser: while nothing changed, the Job Tracker's and Job Details' polls
/// send If-None-Match and get 304, and htmx leaves the table as it is (the very same element, no
/// error); when something changes the next poll brings it, and the page ends showing the final
/// status, no longer polling.
/// </summary>
public sealed class PollingInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    /// <summary>The polls of <paramref name="path"/> the page sent: status and the If-None-Match they carried.</summary>
    private static ConcurrentQueue<(int Status, string? IfNoneMatch)> WatchPolls(IPage page, string path)
    {
        var polls = new ConcurrentQueue<(int, string?)>();
        page.Response += (_, response) =>
        {
            var headers = response.Request.Headers;
            if (new Uri(response.Url).AbsolutePath == path && headers.ContainsKey("hx-request"))
                polls.Enqueue((response.Status, headers.TryGetValue("if-none-match", out var etag) ? etag : null));
        };
        return polls;
    }

    /// <summary>Waits (up to 20 s: polls are 2 s apart) until the page has had <paramref name="count"/> 304 answers more than it had.</summary>
    private static async Task WaitForNotModifiedAsync(ConcurrentQueue<(int Status, string? IfNoneMatch)> polls, int count)
    {
        var before = polls.Count(p => p.Status == 304);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (polls.Count(p => p.Status == 304) < before + count)
        {
            Assert.True(DateTime.UtcNow < deadline, "polls: " + string.Join(", ", polls.Select(p => p.Status)));
            await Task.Delay(200);
        }
    }

    /// <summary>Marks the element, so that a swap (a new element) shows.</summary>
    private static Task MarkAsync(IPage page, string id) =>
        page.EvaluateAsync($"() => {{ document.getElementById('{id}').dataset.kept = 'yes'; window.stillTheSamePage = true; }}");

    private static Task<bool> MarkedAsync(IPage page, string id) =>
        page.EvaluateAsync<bool>($"() => document.getElementById('{id}')?.dataset.kept === 'yes' && window.stillTheSamePage === true");

    [Fact]
    public async Task The_Job_Tracker_keeps_its_table_on_304_updates_when_a_job_changes_and_shows_the_final_status()
    {
        var c = App.CreateCollection("Polled Customers");
        App.InsertJob(c, Status.Completed, "yesterday.csv");
        var held = App.InsertBlockingJob(c);
        await using var admin = await WatchedPage.SignedInAsync(fixture, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var page = admin.Page;
        var path = $"/Collections/{c}/Jobs";
        var polls = WatchPolls(page, path);

        await page.GotoAsync(path);
        var table = page.GetByTestId("job-table");
        await Expect(table).ToHaveAttributeAsync("data-polling", "true");
        var etag = await table.GetAttributeAsync("data-etag");
        Assert.False(string.IsNullOrEmpty(etag));
        await MarkAsync(page, "job-table");

        // Nothing changes: two polls answered 304 with the table's version, and the table is the very same element.
        await WaitForNotModifiedAsync(polls, 2);
        Assert.All(polls.Where(p => p.Status == 304), p => Assert.Equal(etag, p.IfNoneMatch));
        Assert.True(await MarkedAsync(page, "job-table"), "the table was swapped or the page reloaded on 304");
        await Expect(page.GetByTestId("job-rows").First).ToHaveTextAsync("0 / —");

        // The running job commits rows: the next poll swaps in the new table.
        using (var connection = App.Database.Open())
            connection.Execute("UPDATE jobs SET succeeded_rows = 40, total_rows = 100 WHERE id = @held", new { held });
        await Expect(page.GetByTestId("job-rows").First).ToHaveTextAsync("40 / 100");
        Assert.False(await MarkedAsync(page, "job-table"));
        Assert.NotEqual(etag, await table.GetAttributeAsync("data-etag"));

        // It ends: the final status shows and the table stops polling.
        using (var connection = App.Database.Open())
            connection.Execute("UPDATE jobs SET status = @Completed, finished_at = @now, succeeded_rows = 100, lease_owner = NULL, lease_until = NULL WHERE id = @held",
                new { Status.Completed, now = DateTime.UtcNow, held });
        await Expect(page.Locator($"[data-testid=job-row][data-job-id='{held}'] [data-testid=job-row-status]")).ToHaveTextAsync(Status.Completed);
        await Expect(table).ToHaveAttributeAsync("data-polling", "false");
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        admin.AssertNoErrors();
    }

    [Fact]
    public async Task Job_Details_keeps_its_batches_on_304_updates_when_a_batch_starts_and_shows_the_final_status()
    {
        // An import held by another node, split into 3 batches, none started.
        var c = App.CreateCollection("Polled Orders");
        var job = App.InsertBlockingJob(c);
        using (var connection = App.Database.Open())
        {
            connection.Execute("UPDATE jobs SET started_at = NULL, total_rows = 60, batch_count = 3 WHERE id = @job", new { job });
            for (var batchNo = 0; batchNo < 3; batchNo++)
            {
                connection.Execute("""
                    INSERT INTO batches (job_id, batch_no, status, first_row, row_count, byte_offset, byte_length, first_line, succeeded_rows, failed_rows)
                    VALUES (@job, @batchNo, @Queued, @firstRow, 20, @byteOffset, 400, @firstRow, 0, 0)
                    """, new { job, batchNo, Status.Queued, firstRow = batchNo * 20 + 1, byteOffset = batchNo * 400L });
            }
        }
        await using var admin = await WatchedPage.SignedInAsync(fixture, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var page = admin.Page;
        var path = $"/Jobs/{job}";
        var polls = WatchPolls(page, path);

        await page.GotoAsync(path);
        var batches = page.GetByTestId("batch-table");
        await Expect(batches).ToHaveAttributeAsync("data-polling", "true");
        await MarkAsync(page, "batch-table");
        await WaitForNotModifiedAsync(polls, 2);
        Assert.True(await MarkedAsync(page, "batch-table"), "the batches were swapped or the page reloaded on 304");
        await Expect(page.GetByTestId("batch-status").First).ToHaveTextAsync(Status.Queued);

        // A batch starts: the next poll brings it.
        using (var connection = App.Database.Open())
            connection.Execute("UPDATE batches SET status = @InProgress, started_at = @now WHERE job_id = @job AND batch_no = 0",
                new { Status.InProgress, now = DateTime.UtcNow, job });
        await Expect(page.GetByTestId("batch-status").First).ToHaveTextAsync(Status.InProgress);
        Assert.False(await MarkedAsync(page, "batch-table"));

        // The job ends: its final status, every batch, and no more polling.
        using (var connection = App.Database.Open())
        {
            connection.Execute("UPDATE batches SET status = @Completed, finished_at = @now, succeeded_rows = 20 WHERE job_id = @job",
                new { Status.Completed, now = DateTime.UtcNow, job });
            connection.Execute("""
                UPDATE jobs SET status = @Completed, started_at = @now, finished_at = @now, succeeded_rows = 60, lease_owner = NULL, lease_until = NULL
                 WHERE id = @job
                """, new { Status.Completed, now = DateTime.UtcNow, job });
        }
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.Completed);
        await Expect(batches).ToHaveAttributeAsync("data-polling", "false");
        await Expect(page.Locator("[data-testid=batch-status]:text-is('COMPLETED')")).ToHaveCountAsync(3);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        admin.AssertNoErrors();
    }
}
