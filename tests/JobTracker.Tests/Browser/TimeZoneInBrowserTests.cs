using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// Time zones in a real Chromium: the first sign-in from a browser in Asia/Tokyo (the context's zone,
/// which Intl reports to site.js) stores Asia/Tokyo and pages show JST; a second sign-in from a browser
/// in another zone leaves the stored zone alone; the Settings page changes it.
/// </summary>
public sealed class TimeZoneInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    private string? StoredZone(string userName)
    {
        using var connection = App.Database.Open();
        return connection.QuerySingle<string?>("SELECT time_zone FROM users WHERE user_name = @userName", new { userName });
    }

    private static async Task SignInAsync(Microsoft.Playwright.IPage page, string userName)
    {
        await page.GotoAsync("/Account/Login");
        await page.Locator("#user-name").FillAsync(userName);
        await page.Locator("#password").FillAsync(JobTrackerApp.UserPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(userName);
    }

    [Fact]
    public async Task The_first_sign_in_takes_the_browsers_zone_and_a_second_from_another_zone_keeps_it()
    {
        var userName = App.CreateUser(Roles.Admin);
        var collectionId = App.CreateCollection();
        // Started 2026-01-15 03:00Z: 12:00 in Tokyo (JST, UTC+9, no daylight saving).
        var jobId = App.InsertJob(collectionId, Status.Completed, "tokyo.csv");
        using (var connection = App.Database.Open())
            connection.Execute("UPDATE jobs SET started_at = @at, finished_at = @at WHERE id = @jobId",
                new { at = new DateTime(2026, 1, 15, 3, 0, 0, DateTimeKind.Utc), jobId });

        await using (var tokyo = await fixture.NewContextAsync("Asia/Tokyo"))
        {
            var page = await tokyo.NewPageAsync();
            await page.GotoAsync("/Account/Login");
            await Expect(page.GetByTestId("browser-time-zone")).ToHaveValueAsync("Asia/Tokyo");
            await SignInAsync(page, userName);
            Assert.Equal("Asia/Tokyo", StoredZone(userName));

            await page.GotoAsync($"/Jobs/{jobId}");
            await Expect(page.GetByTestId("job-started")).ToHaveTextAsync("2026-01-15 12:00:00 JST");
            await Expect(page.GetByTestId("job-started").Locator("time")).ToHaveAttributeAsync("datetime", "2026-01-15T03:00:00Z");

            await page.GetByTestId("settings-link").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Settings$"));
            await Expect(page.GetByTestId("time-zone-input")).ToHaveValueAsync("Asia/Tokyo");
            await Expect(page.GetByTestId("settings-now")).ToHaveTextAsync(new Regex(" JST$"));
        }

        await using (var newYork = await fixture.NewContextAsync("America/New_York"))
        {
            var page = await newYork.NewPageAsync();
            await page.GotoAsync("/Account/Login");
            await Expect(page.GetByTestId("browser-time-zone")).ToHaveValueAsync("America/New_York");
            await SignInAsync(page, userName);
            Assert.Equal("Asia/Tokyo", StoredZone(userName));
            await page.GotoAsync($"/Jobs/{jobId}");
            await Expect(page.GetByTestId("job-started")).ToHaveTextAsync("2026-01-15 12:00:00 JST");

            // The user changes it on the Settings page; pages follow at once.
            await page.GetByTestId("settings-link").ClickAsync();
            await page.GetByTestId("time-zone-input").FillAsync("America/New_York");
            await page.GetByTestId("save-time-zone").ClickAsync();
            await Expect(page.GetByTestId("settings-message")).ToHaveTextAsync("Your time zone is now America/New_York: every page shows times in it.");
            Assert.Equal("America/New_York", StoredZone(userName));
            await page.GotoAsync($"/Jobs/{jobId}");
            await Expect(page.GetByTestId("job-started")).ToHaveTextAsync("2026-01-14 22:00:00 EST");
        }
    }
}
