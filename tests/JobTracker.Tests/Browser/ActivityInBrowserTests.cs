using System.Text.RegularExpressions;
using JobTracker.Jobs.Activity;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>The Activity page in a real browser: a filter swaps the table by htmx and pushes the URL; Back and a reload keep the search.</summary>
public sealed class ActivityInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Filtering_the_activity_page_swaps_the_table_and_pushes_the_url()
    {
        var who = "browser-" + Guid.NewGuid().ToString("N")[..8];
        var trail = fixture.App.Services.GetRequiredService<ActivityTrail>();
        await trail.RecordAsync(ActivityActor.InConsole(null, who, "10.0.0.9"), ActivityActions.StopJob, ActivityObjects.Job, 800_001, "a.csv", 800_001);
        await trail.RecordAsync(ActivityActor.InConsole(null, who, "10.0.0.9"), ActivityActions.DownloadArchive, ActivityObjects.Job, 800_002, "b", 800_002);

        await using var watched = await WatchedPage.SignedInAsync(fixture, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var page = watched.Page;
        await page.GotoAsync("/");
        await page.GetByTestId("activity-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/Activity$"));

        var loads = 0;
        page.Load += (_, _) => Interlocked.Increment(ref loads);
        await page.GetByTestId("activity-who").FillAsync(who);
        await page.GetByTestId("activity-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"who={who}"));
        await Expect(page.GetByTestId("activity-row")).ToHaveCountAsync(2);

        await page.GetByTestId("activity-action").SelectOptionAsync(ActivityActions.StopJob);
        await Expect(page.GetByTestId("activity-row")).ToHaveCountAsync(1);
        await Expect(page).ToHaveURLAsync(new Regex("action=Stop(\\+|%20)job"));
        await Expect(page.GetByTestId("activity-object-link")).ToHaveAttributeAsync("href", "/Jobs/800001");
        Assert.Equal(0, Volatile.Read(ref loads)); // swapped by htmx, never a page load

        await page.ReloadAsync();
        await Expect(page.GetByTestId("activity-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("activity-who")).ToHaveValueAsync(who);
        watched.AssertNoErrors();
    }
}
