using System.Text.RegularExpressions;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// Export schedules in a real browser: an admin finds the Schedules page from the workspace, is told
/// what is wrong with a crontab line, watches the form preview the next fires, saves, sees the next
/// three fires on the schedule's own clock, runs it now and follows its last run to the job.
/// </summary>
public sealed class SchedulesInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task An_admin_creates_a_schedule_sees_its_next_fire_times_and_runs_it_now()
    {
        var collectionId = App.CreateCollection("Scheduled Records");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await SignInAsync(page, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        await page.GetByTestId("workspace-link").Filter(new() { HasTextRegex = new Regex("^Acme Retail$") }).ClickAsync();
        await page.Locator($"[data-testid=collection-row][data-collection-id='{collectionId}'] [data-testid=schedules-link]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Schedules$"));
        await Expect(page.GetByTestId("empty-schedules")).ToBeVisibleAsync();

        await page.GetByTestId("new-schedule").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Schedules/Edit$"));
        await page.Locator("#schedule-name").FillAsync("Nightly");
        await page.Locator("#schedule-time-zone").FillAsync("Europe/Lisbon");
        await page.Locator("#schedule-records-per-file").FillAsync("5000");

        // A crontab line (five fields) is refused at save, with Quartz's advice.
        await page.Locator("#schedule-cron").FillAsync("0 2 * * *");
        await Expect(page.GetByTestId("preview-problem")).ToContainTextAsync("5 fields");
        await page.GetByTestId("save-schedule").ClickAsync();
        await Expect(page.GetByTestId("validation-summary")).ToContainTextAsync("which is the Unix/crontab form");
        await Expect(page.Locator("#schedule-name")).ToHaveValueAsync("Nightly");

        // Three fires in 2099 around the end of summer time in Lisbon: the preview follows the typing.
        await page.Locator("#schedule-cron").FillAsync("0 0 2 24-28 OCT ? 2099");
        await Expect(page.GetByTestId("preview-fire")).ToHaveTextAsync(["2099-10-24 02:00 UTC+01:00", "2099-10-25 02:00 UTC+00:00", "2099-10-26 02:00 UTC+00:00"]);
        await Expect(page.GetByTestId("preview-export-name")).ToHaveTextAsync("nightly-20991024");
        await page.GetByTestId("save-schedule").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Schedules$"));
        await Expect(page.GetByTestId("schedules-message")).ToHaveTextAsync("Saved the schedule Nightly. Its next fire is at 2099-10-24 02:00 Europe/Lisbon.");
        var row = page.GetByTestId("schedule-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("schedule-time-zone")).ToHaveTextAsync("Europe/Lisbon");
        await Expect(row.GetByTestId("next-fire")).ToHaveTextAsync(["2099-10-24 02:00 UTC+01:00", "2099-10-25 02:00 UTC+00:00", "2099-10-26 02:00 UTC+00:00"]);
        await Expect(row.GetByTestId("last-run")).ToHaveTextAsync("not run yet");

        // Run now swaps the table in place (no reload) and links the new job as the last run.
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await row.GetByTestId("run-schedule-now").ClickAsync();
        await Expect(page.GetByTestId("schedules-message")).ToContainTextAsync("for the schedule Nightly; it shows in the Job Tracker.");
        var lastRun = page.GetByTestId("last-run-link");
        await Expect(lastRun).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        var jobId = await lastRun.GetAttributeAsync("data-job-id");
        Assert.Equal(App.LastJobId(collectionId).ToString(), jobId);

        await lastRun.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.GetByTestId("job-initiated-by")).ToHaveTextAsync("schedule: Nightly");
    }

    private static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
        await page.Locator("#user-name").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(userName);
        await Expect(page.GetByTestId("overview")).ToBeVisibleAsync();
        await page.GetByTestId("workspaces-link").ClickAsync();
        await Expect(page.GetByTestId("workspaces")).ToBeVisibleAsync();
    }
}
