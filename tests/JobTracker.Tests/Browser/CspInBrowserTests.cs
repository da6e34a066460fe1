using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>
/// The console in a real browser under its Content-Security-Policy: the main pages, the htmx upload,
/// polling, Refresh, Stop Job, the batch filter, the schema editor's Add field and Remove (once an
/// hx-on handler), the schedule preview, users and an error page, with not one console error and not
/// one CSP violation (Chromium reports each as a console error; a securitypolicyviolation listener
/// reports them too).
/// </summary>
public sealed class CspInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string NotFoundResource = "Failed to load resource: the server responded with a status of 404";

    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task The_main_pages_work_under_the_policy_without_a_console_error_or_a_violation()
    {
        var collectionId = App.CreateCollection("Policed Records");
        var jobAhead = App.InsertBlockingJob(collectionId);
        await using var watched = await WatchedPage.OpenAsync(fixture);
        var page = watched.Page;
        var errors = watched.Errors;

        // Sign in: the policy is on the sign-in page itself.
        var loginResponse = await page.GotoAsync("/Account/Login");
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, await loginResponse!.HeaderValueAsync("content-security-policy"));
        await page.Locator("#user-name").FillAsync(JobTrackerApp.AdminUser);
        await page.Locator("#password").FillAsync(JobTrackerApp.AdminPassword);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("overview")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>(
            "() => typeof htmx === 'object' && htmx.config.allowEval === false && htmx.config.allowScriptTags === false && htmx.config.includeIndicatorStyles === false"),
            "htmx is not loaded with the layout's htmx-config");
        await Expect(page.Locator("style")).ToHaveCountAsync(0);

        // Import through the form (htmx), then the Job Tracker polls the QUEUED job.
        await page.GotoAsync($"/Collections/{collectionId}/Import");
        await page.Locator("#import-file").SetInputFilesAsync(JobTrackerApp.SampleFilePath);
        await page.GetByTestId("start-import").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Jobs$"));
        var jobId = await page.GetByTestId("job-row").First.GetAttributeAsync("data-job-id");
        Assert.Equal(App.LastJobId(collectionId).ToString(), jobId);
        await Expect(page.GetByTestId("job-table")).ToHaveAttributeAsync("data-polling", "true");

        // Job Details: Refresh swaps in place, polling brings the job to COMPLETED, the filter filters.
        await page.Locator($"[data-testid=job-row][data-job-id='{jobId}'] [data-testid=view-details]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}$"));
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.Queued);
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        await page.Locator("#refresh-job").ClickAsync();
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.Queued);
        await App.StopJobAsync(jobAhead);
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.Completed, new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(3);
        await page.Locator("#batch-filter").SelectOptionAsync("failed");
        await Expect(page).ToHaveURLAsync(new Regex($"/Jobs/{jobId}\\?status=failed$"));
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(0);
        await page.Locator("#batch-filter").SelectOptionAsync("completed");
        await Expect(page.GetByTestId("batch-row")).ToHaveCountAsync(3);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");

        // Stop Job (htmx, after its confirm) on a job held by another node.
        var held = App.InsertBlockingJob(App.CreateCollection());
        await page.GotoAsync($"/Jobs/{held}");
        await page.Locator("#stop-job").ClickAsync();
        await Expect(page.Locator("#job-status")).ToHaveTextAsync(Status.Canceled);
        Assert.Equal(Status.Canceled, App.Job(held).Status);

        // The schema editor: Add field fetches a row (htmx), Remove removes one (site.js), Save keeps the rest.
        await page.GotoAsync($"/Collections/{collectionId}/Edit");
        var rows = page.GetByTestId("schema-field-row");
        var before = await rows.CountAsync();
        await page.GetByTestId("add-field").ClickAsync();
        await Expect(rows).ToHaveCountAsync(before + 1);
        await page.GetByTestId("add-field").ClickAsync();
        await Expect(rows).ToHaveCountAsync(before + 2);
        await rows.Nth(before).GetByTestId("field-name").FillAsync("dropped");
        await rows.Nth(before + 1).GetByTestId("field-name").FillAsync("nickname");
        await rows.Nth(before).GetByTestId("remove-field").ClickAsync();
        await Expect(rows).ToHaveCountAsync(before + 1);
        await page.GetByTestId("save-collection").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}$"));
        var schema = page.GetByTestId("schema-row");
        await Expect(schema).ToHaveCountAsync(before + 1);
        await Expect(schema.Last).ToContainTextAsync("nickname");
        await Expect(schema.Filter(new() { HasText = "dropped" })).ToHaveCountAsync(0);

        // The schedule form previews its next fires as it is typed (hx-trigger from the form).
        await page.GotoAsync($"/Collections/{collectionId}/Schedules/Edit");
        await page.Locator("#schedule-cron").FillAsync("0 0 2 24-28 OCT ? 2099");
        await Expect(page.GetByTestId("preview-fire")).ToHaveCountAsync(3);

        // Users, and an error page.
        await page.GotoAsync("/Users");
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(JobTrackerApp.AdminUser);
        var notFound = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, notFound!.Status);
        await Expect(page.GetByTestId("error-page")).ToBeVisibleAsync();

        // Sign out (a plain form).
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();

        // The 404 page's own status is reported once; anything else is a fault.
        var unexpected = errors.Where(e => !e.StartsWith(NotFoundResource, StringComparison.Ordinal)).ToList();
        Assert.True(unexpected.Count == 0, "console errors:\n" + string.Join("\n", unexpected));
        Assert.Single(errors, e => e.StartsWith(NotFoundResource, StringComparison.Ordinal));

        // And the listeners do catch a violation: an inline style is refused, and reported.
        await page.EvaluateAsync("() => { const d = document.createElement('div'); d.innerHTML = '<span style=\"color: red\">inline</span>'; document.body.append(d); }");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!errors.Any(e => e.StartsWith("CSP violation: style-src", StringComparison.Ordinal)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains(errors, e => e.StartsWith("CSP violation: style-src", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("violates the following Content Security Policy directive 'style-src 'self''", StringComparison.Ordinal));
    }
}
