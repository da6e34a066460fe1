using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// The overview in a real browser: after sign-in it is the home page; it shows a running job and an
/// export queued behind it, polls (no reload) until the export is COMPLETED, then stops polling.
/// </summary>
public sealed class OverviewInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task The_overview_shows_a_running_job_polls_until_it_is_completed_and_stops_polling()
    {
        var collectionId = App.CreateCollection("Watched Records");
        // A job of another process holds the collection: the export waits QUEUED behind it until the test lets it go.
        var jobAhead = App.InsertBlockingJob(collectionId);
        var exportId = (await App.Services.GetRequiredService<ExportSubmission>().SubmitAsync(collectionId, "watched", 100, "ada"))!.Value;
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
        await page.Locator("#user-name").FillAsync(JobTrackerApp.AdminUser);
        await page.Locator("#password").FillAsync(JobTrackerApp.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();

        // The home page after sign-in is the overview.
        await Expect(page).ToHaveURLAsync(new Regex("/$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        var running = page.Locator($"[data-testid=running-jobs] [data-testid=overview-job-row][data-job-id='{jobAhead}']");
        var export = page.Locator($"[data-testid=running-jobs] [data-testid=overview-job-row][data-job-id='{exportId}']");
        await Expect(running.GetByTestId("overview-job-status")).ToHaveTextAsync(Status.InProgress);
        await Expect(export.GetByTestId("overview-job-status")).ToHaveTextAsync(Status.Queued);
        await Expect(export.GetByTestId("overview-collection")).ToHaveTextAsync("Watched Records");
        await Expect(export.Locator("td").Nth(3)).ToHaveTextAsync("Acme Retail");
        await Expect(page.GetByTestId("overview")).ToHaveAttributeAsync("data-polling", "true");

        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await App.StopJobAsync(jobAhead);
        await Expect(export.GetByTestId("overview-job-status")).ToHaveTextAsync(Status.Completed, new() { Timeout = 30_000 });
        await Expect(running.GetByTestId("overview-job-status")).ToHaveTextAsync(Status.Canceled);
        await Expect(page.GetByTestId("overview")).ToHaveAttributeAsync("data-polling", "false");
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");

        // It stays COMPLETED and asks no more: no request for the overview in the next polls' time.
        var polls = 0;
        page.Request += (_, request) => { if (new Uri(request.Url).AbsolutePath == "/") polls++; };
        await page.WaitForTimeoutAsync(5_000);
        Assert.Equal(0, polls);
        await Expect(export.GetByTestId("overview-job-status")).ToHaveTextAsync(Status.Completed);

        // View Details leads to the job; Workspaces stays in the top nav.
        await export.GetByTestId("view-details").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{exportId}$"));
        await page.GetByTestId("workspaces-link").ClickAsync();
        await Expect(page.GetByTestId("workspaces")).ToBeVisibleAsync();
    }
}
