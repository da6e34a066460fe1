using System.Text.RegularExpressions;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>The app on a real Kestrel port and one headless Debian Chromium, shared by the tests of the class.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;
    private IBrowser? browser;

    /// <summary>
    /// The app the browser tests drive, with polls shared for a second and live sessions rechecked every 5 s, as in
    /// production (JobTracker:Polling:SharedFor, JobTracker:SignIn:SessionRecheck).
    /// </summary>
    public JobTrackerApp App { get; } = new()
    {
        Settings = new Dictionary<string, string> { ["JobTracker:Polling:SharedFor"] = "00:00:01", ["JobTracker:SignIn:SessionRecheck"] = "00:00:05" },
    };

    /// <summary>How long an assertion waits for a worker to finish a job (as <see cref="JobTrackerApp.Patience"/>: the machine may be busy).</summary>
    public static readonly LocatorAssertionsToHaveTextOptions UntilJobFinished = new() { Timeout = (float)JobTrackerApp.Patience.TotalMilliseconds };

    public async Task InitializeAsync()
    {
        // Playwright's auto-waiting assertions wait this long before failing (the htmx poll is every 2 s).
        SetDefaultExpectTimeout(20_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("JOBTRACKER_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            ],
        });
    }

    /// <summary>A fresh browser context (own cookies) on the app's address; in a time zone (IANA id) when given.</summary>
    public async Task<IBrowserContext> NewContextAsync(string? timezoneId = null)
    {
        var context = await browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseAddress.ToString(), AcceptDownloads = true, TimezoneId = timezoneId });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    /// <summary>
    /// Waits (<see cref="UntilJobFinished"/>) for a job's status on the page; when it does not come, the failure
    /// says what the database holds (job and batches) and the app's last warnings, so that a page that stopped
    /// updating is told apart from a job that did not finish.
    /// </summary>
    public async Task ExpectJobStatusAsync(ILocator status, long jobId, string expected)
    {
        try
        {
            await Expect(status).ToHaveTextAsync(expected, UntilJobFinished);
        }
        catch (PlaywrightException onPage)
        {
            var job = App.Job(jobId);
            var batches = string.Join(", ", App.Batches(jobId).Select(b => $"{b.BatchNo} {b.Status}"));
            var logs = Directory.Exists(Path.Combine(App.Folder.Path, "logs"))
                ? Directory.GetFiles(Path.Combine(App.Folder.Path, "logs")).SelectMany(f => File.ReadLines(f).TakeLast(20))
                : [];
            throw new Xunit.Sdk.XunitException(
                $"job {jobId} is {job.Status} in the database (reason: {job.StatusReason ?? "none"}; batches: {batches}).\n"
                + $"app warnings:\n{string.Join("\n", logs)}\nthe page: {onPage.Message}");
        }
    }

    /// <summary>Signs in through the sign-in form, as a person does, and waits for the workspaces.</summary>
    public static async Task SignInAsync(IPage page, string userName, string password)
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

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        await App.DisposeAsync();
    }
}
