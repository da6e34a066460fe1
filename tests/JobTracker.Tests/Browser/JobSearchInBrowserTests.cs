using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// The Job Tracker's status chips in a real browser: counted in their own request once the page has
/// loaded, not again on each poll, again when the search changes and when a job of the collection
/// changes state (the poll's HX-Trigger).
/// </summary>
public sealed class JobSearchInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task The_chips_count_after_the_page_loads_and_again_only_when_the_search_or_a_job_changes()
    {
        var c = App.CreateCollection();
        App.InsertJob(c, Status.Completed, "orders-1.csv");
        App.InsertJob(c, Status.Completed, "customers-1.csv");
        App.InsertJob(c, Status.Failed, "orders-2.csv");
        var held = App.InsertBlockingJob(c); // the table polls while it is IN PROGRESS
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var chipsRequests = 0;
        var polls = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("handler=Chips", StringComparison.Ordinal)) Interlocked.Increment(ref chipsRequests);
            else if (request.Url.Contains($"/Collections/{c}/Jobs", StringComparison.Ordinal) && request.Headers.ContainsKey("hx-request")) Interlocked.Increment(ref polls);
        };

        await page.GotoAsync($"/Collections/{c}/Jobs");
        var completed = page.Locator("[data-testid=status-chip][data-status='COMPLETED']");
        var all = page.Locator("[data-testid=status-chip][data-status='']");
        await Expect(page.GetByTestId("status-chips")).ToHaveAttributeAsync("data-counted", "true");
        await Expect(completed).ToHaveAttributeAsync("data-count", "2");
        await Expect(all).ToHaveTextAsync("All 4");

        // Two polls (2 s apart) go by: the table is read again, the chips are not.
        for (var waited = 0; Volatile.Read(ref polls) < 2 && waited < 15_000; waited += 100) await Task.Delay(100);
        Assert.True(Volatile.Read(ref polls) >= 2, "the table did not poll");
        Assert.Equal(1, Volatile.Read(ref chipsRequests));

        // The search changes: the table and the chips follow it.
        await page.GetByTestId("search-name").FillAsync("orders");
        await page.GetByTestId("search-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("name=orders"));
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(2);
        await Expect(completed).ToHaveAttributeAsync("data-count", "1");
        await Expect(all).ToHaveTextAsync("All 2");
        await Expect(completed).ToHaveAttributeAsync("href", $"/Collections/{c}/Jobs?status=COMPLETED&name=orders");

        // A job of the collection finishes: the next poll tells the chips, which count again.
        App.InsertJob(c, Status.Completed, "orders-3.csv");
        await Expect(completed).ToHaveAttributeAsync("data-count", "2", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(3);
        var afterChange = Volatile.Read(ref chipsRequests);
        var pollsBefore = Volatile.Read(ref polls);
        for (var waited = 0; Volatile.Read(ref polls) < pollsBefore + 2 && waited < 15_000; waited += 100) await Task.Delay(100);
        Assert.Equal(afterChange, Volatile.Read(ref chipsRequests));

        // A chip is a link: the page of that status, the chips counted for it.
        await completed.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("status=COMPLETED&name=orders$"));
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(2);
        await Expect(completed).ToHaveAttributeAsync("aria-current", "true");
        await Expect(completed).ToHaveAttributeAsync("data-count", "2");
        await App.StopJobAsync(held);
    }
}
