using System.Text;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobTracker.Tests.Browser;

/// <summary>The mapping step in a real browser: upload with "Review column mapping", change a select, confirm.</summary>
public sealed class ColumnMappingInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task An_admin_reviews_the_mapping_changes_one_column_and_the_job_completes_with_it()
    {
        var collectionId = App.CreateCollection();
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);

        await page.GotoAsync($"/Collections/{collectionId}/Import");
        await page.GetByTestId("review-mapping").CheckAsync();
        await page.Locator("#import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "people.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes("Customer ID,Full Name,mail\nB1,Ann,ann@example.com\nB2,Bob,bob@example.com\n"),
        });
        await page.GetByTestId("start-import").ClickAsync();

        // htmx follows the HX-Redirect to the mapping page: the default matching preselected, "mail" matches nothing.
        await Expect(page).ToHaveURLAsync(new Regex($"/Collections/{collectionId}/Import/Mapping/\\d+$"));
        await Expect(page.GetByTestId("mapping-row")).ToHaveCountAsync(2);
        var selects = page.GetByTestId("mapping-select");
        await Expect(selects.Nth(0)).ToHaveValueAsync("field:customerId");
        await Expect(page.GetByTestId("mapping-warning")).ToHaveCountAsync(1); // name: "Full Name" does not match it
        await selects.Nth(1).SelectOptionAsync("field:name");
        await selects.Nth(2).SelectOptionAsync("field:email");
        await page.GetByTestId("confirm-mapping").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/Jobs/\\d+$"));
        await Expect(page.GetByTestId("job-status")).ToHaveTextAsync(Status.Completed);
        await Expect(page.GetByTestId("rows-processed")).ToHaveTextAsync("2 / 2");
        await Expect(page.GetByTestId("job-column-mapped")).ToHaveTextAsync(["Customer ID → customerId", "Full Name → name", "mail → email"]);
        Assert.Equal(["B1", "B2"], App.Records(collectionId).Keys.Order());
    }
}
