using System.Net;
using System.Text;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// One real import whose three batches (20 rows each) end differently: batch 0 COMPLETED, batch 1
/// RAN WITH ERRORS, batch 2 FAILED. The file has a BOM and CRLF line ends, and a name with a space
/// and a non-ASCII letter, so that the original-file download has something to get wrong.
/// </summary>
public sealed class MixedJobFixture : IAsyncLifetime
{
    public const string FileName = "mixed batches – März.csv";

    public JobTrackerApp App { get; } = new();

    public long JobId { get; private set; }

    public byte[] File { get; } = MixedFile();

    public async Task InitializeAsync()
    {
        using var admin = await App.SignInAsync();
        JobId = await App.UploadAsync(admin, App.CreateCollection(), FileName, File);
        await App.WaitForStatusAsync(JobId, Status.RanWithErrors);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    private static byte[] MixedFile()
    {
        var csv = new StringBuilder("customerId,name,amount\r\n");
        for (var i = 1; i <= 60; i++)
        {
            var valid = i <= 20 || (i <= 40 && i % 2 == 0);
            csv.Append($"M{i:D2},\"Name, {i}\",{(valid ? $"{i}.25" : "n/a")}\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }
}

/// <summary>The Job Details panel: batch filter, htmx answer, Refresh/Stop, and the two downloads.</summary>
public sealed class JobDetailsTests(MixedJobFixture fixture) : IClassFixture<MixedJobFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public void The_fixture_job_has_one_batch_of_each_final_status()
    {
        Assert.Equal(
            [(0, Status.Completed, 20), (1, Status.RanWithErrors, 10), (2, Status.Failed, 0)],
            App.Batches(fixture.JobId).Select(b => (b.BatchNo, b.Status, b.SucceededRows)));
    }

    [Theory]
    [InlineData("", new[] { 0, 1, 2 })]
    [InlineData("completed", new[] { 0 })]
    [InlineData("ran-with-errors", new[] { 1 })]
    [InlineData("failed", new[] { 2 })]
    [InlineData("FAILED", new[] { 2 })]
    [InlineData("queued", new int[0])]
    [InlineData("in-progress", new int[0])]
    [InlineData("canceled", new int[0])]
    public async Task The_status_filter_in_the_query_string_shows_only_batches_of_that_status(string status, int[] batchNos)
    {
        using var support = await App.SignInAsAsync(Roles.Support);
        var path = $"/Jobs/{fixture.JobId}" + (status.Length > 0 ? $"?status={status}" : "");
        var expectedStatuses = App.Batches(fixture.JobId).Where(b => batchNos.Contains(b.BatchNo)).Select(b => (b.BatchNo, b.Status)).ToList();

        var page = await support.GetStringAsync(path);
        using var htmx = await JobTrackerApp.GetHtmxAsync(support, path);
        var partial = await htmx.Content.ReadAsStringAsync();

        foreach (var answer in new[] { page, partial })
        {
            Assert.Equal(expectedStatuses, Html.BatchRows(answer));
            if (status.Length > 0) Assert.All(Html.BatchRows(answer), r => Assert.Equal(status.ToLowerInvariant(), r.Status.ToLowerInvariant().Replace(' ', '-')));
            if (batchNos.Length == 0) Assert.Contains("No batch has this status.", Html.Text(answer, "empty-batches"));
            var selected = Html.Tags(answer, "batch-filter").Single();
            Assert.Equal($"/Jobs/{fixture.JobId}", Html.Attribute(selected, "hx-get"));
            Assert.Matches($"<option value=\"{status.ToLowerInvariant()}\" selected=\"selected\"", answer);
            Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(answer, "selected=\"selected\""));
        }
        // Every option carries its count, whatever the filter.
        Assert.Contains("<option value=\"\" data-count=\"3\">All Batches (3)</option>", page.Replace(" selected=\"selected\"", ""));
        Assert.Contains("<option value=\"ran-with-errors\" data-count=\"1\">Ran with Errors (1)</option>", page.Replace(" selected=\"selected\"", ""));
        Assert.Contains("<option value=\"queued\" data-count=\"0\">Queued (0)</option>", page.Replace(" selected=\"selected\"", ""));
    }

    [Fact]
    public async Task Htmx_gets_the_batch_table_with_the_summary_and_the_filter_out_of_band()
    {
        using var admin = await App.SignInAsync();
        var path = $"/Jobs/{fixture.JobId}?status=failed";

        using var page = await admin.GetAsync(path);
        using var htmx = await JobTrackerApp.GetHtmxAsync(admin, path);
        var partial = await htmx.Content.ReadAsStringAsync();

        Assert.Contains("HX-Request", page.Headers.Vary);
        Assert.Contains("HX-Request", htmx.Headers.Vary);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync());
        Assert.DoesNotContain("<html", partial);
        Assert.StartsWith("<section id=\"batch-table\"", partial.TrimStart());
        Assert.Equal("true", Html.Attribute(Html.Tags(partial, "job-summary").Single(), "hx-swap-oob"));
        Assert.Matches("<div id=\"batch-filter-box\"[^>]*hx-swap-oob=\"true\"", partial);
        Assert.Equal(Status.RanWithErrors, Html.Text(partial, "job-status"));
        Assert.Null(Html.Attribute(Html.Tags(await page.Content.ReadAsStringAsync(), "job-summary").Single(), "hx-swap-oob"));
    }

    [Fact]
    public async Task Refresh_and_Stop_Job_are_shown_and_the_panel_polls_only_while_the_job_is_unfinished()
    {
        using var admin = await App.SignInAsync();
        var finished = await admin.GetStringAsync($"/Jobs/{fixture.JobId}");
        Assert.False(Html.HasId(finished, "refresh-job"));
        Assert.False(Html.HasId(finished, "stop-job"));
        Assert.Equal("true", Html.Attribute(Html.Tags(finished, "job-summary").Single(), "data-finished"));
        var finishedTable = Html.Tags(finished, "batch-table").Single();
        Assert.Equal("false", Html.Attribute(finishedTable, "data-polling"));
        Assert.Null(Html.Attribute(finishedTable, "hx-trigger"));

        var running = App.InsertBlockingJob(App.CreateCollection());
        var unfinished = await admin.GetStringAsync($"/Jobs/{running}?status=in-progress");
        Assert.Equal($"/Jobs/{running}?status=in-progress", Html.Attribute(Html.Tags(unfinished, "refresh").Single(), "hx-get"));
        Assert.Equal($"/Jobs/{running}/Stop?status=in-progress", Html.Attribute(Html.Tags(unfinished, "stop-job").Single(), "hx-post"));
        var polling = Html.Tags(unfinished, "batch-table").Single();
        Assert.Equal("true", Html.Attribute(polling, "data-polling"));
        Assert.Equal("every 2s", Html.Attribute(polling, "hx-trigger"));
        Assert.Equal($"/Jobs/{running}?status=in-progress", Html.Attribute(polling, "hx-get"));

        await App.StopJobAsync(running);
        var stopped = await admin.GetStringAsync($"/Jobs/{running}");
        Assert.False(Html.HasId(stopped, "refresh-job"));
        Assert.False(Html.HasId(stopped, "stop-job"));
        Assert.Equal("false", Html.Attribute(Html.Tags(stopped, "batch-table").Single(), "data-polling"));
    }

    [Fact]
    public async Task The_original_file_downloads_with_its_exact_bytes_under_its_own_name()
    {
        using var support = await App.SignInAsAsync(Roles.Support);

        using var response = await support.GetAsync($"/Jobs/{fixture.JobId}/File");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal(MixedJobFixture.FileName, disposition.FileNameStar);
        Assert.Equal(fixture.File, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_audit_log_downloads_as_csv_with_every_row_and_why_each_failed()
    {
        using var support = await App.SignInAsAsync(Roles.Support);

        using var response = await support.GetAsync($"/Jobs/{fixture.JobId}/AuditLog");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal($"audit-{fixture.JobId}.csv", response.Content.Headers.ContentDisposition.FileName);
        var rows = Csv.Parse((await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF')).Skip(1).ToList();
        Assert.Equal(60, rows.Count);
        var job = App.Job(fixture.JobId);
        Assert.Equal(job.SucceededRows, rows.Count(r => r[3] is AuditLog.Created or AuditLog.Updated));
        Assert.Equal(job.FailedRows, rows.Count(r => r[3] == AuditLog.Failed));
        Assert.Equal(["30", "1", "M30", "created", "", ""], rows[29][..6]);
        Assert.Equal(["31", "1", "M31", "failed", "amount", "amount must be a decimal number; got 'n/a'."], rows[30][..6]);
        Assert.Equal(App.Batches(fixture.JobId).Sum(b => b.SucceededRows), job.SucceededRows);
    }

    [Fact]
    public async Task Audit_log_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised()
    {
        string[] keys = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "plain"];
        var csv = new StringBuilder("customerId,name,amount\n");
        foreach (var key in keys) csv.Append($"\"{key.Replace("\"", "\"\"")}\",Name,1\n");
        csv.Append("=BAD,=cmd|' /C calc'!A0,=1+1\n");
        using var admin = await App.SignInAsync();
        var collectionId = App.CreateCollection();
        var jobId = await App.UploadAsync(admin, collectionId, "formulas.csv", csv.ToString());
        await App.WaitForStatusAsync(jobId, Status.RanWithErrors);

        var text = (await admin.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF');
        var rows = Csv.Parse(text).Skip(1).ToList();

        Assert.Equal(keys.Select(k => k == "plain" ? k : "'" + k).Append("'=BAD"), rows.Select(r => r[2]));
        Assert.Equal("failed", rows[^1][3]);
        Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@', $"cell {cell} would run as a formula"));
        // Only the download is neutralised: the records keep their keys as imported.
        Assert.Equal(keys.Order(), App.Records(collectionId).Keys.Order());
    }
}
