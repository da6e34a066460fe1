using System.Net;
using System.Net.Http.Headers;
using System.Text;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Web;

/// <summary>The app with batches of 3 rows, so that small files make several batches.</summary>
public sealed class RetryAndDryRunFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new() { BatchSize = 3 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Retry failed rows and dry runs ("Validate only", then "Import for real"), over real HTTP, with the real workers.</summary>
public sealed class RetryAndDryRunTests(RetryAndDryRunFixture fixture) : IClassFixture<RetryAndDryRunFixture>
{
    private const string WithErrors =
        "customerId,name,amount\nR1,One,1\nR2,Two,two\nR3,Three,3\nR4,,4\nR5,Five,5\nR6,Six,six\nR7,Seven,7\n";

    private JobTrackerApp App => fixture.App;

    private static async Task<HttpResponseMessage> PostRetryAsync(HttpClient client, long jobId, string? fileName = null, string? content = null)
    {
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Jobs/{jobId}");
        var body = new MultipartFormDataContent();
        // A browser sends the file input even when left empty: filename="" and no content.
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content ?? ""));
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName is null ? "application/octet-stream" : "text/csv");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = $"\"{fileName}\"" };
        body.Add(file);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Jobs/{jobId}/Retry") { Content = body };
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        return await client.SendAsync(request);
    }

    private static long RedirectedJob(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/Jobs/", location, StringComparison.Ordinal);
        return long.Parse(location["/Jobs/".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> DryRunAsync(HttpClient client, long collectionId, string fileName, string content)
    {
        var before = App.LastJobId(collectionId) ?? 0;
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collectionId}/Import");
        var body = new MultipartFormDataContent { { new StringContent("true"), "validate_only" } };
        body.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(content)), "file", fileName);
        using var response = await JobTrackerApp.PostImportAsync(client, collectionId, body, token);
        Assert.True(response.Headers.Contains("HX-Redirect"), await response.Content.ReadAsStringAsync());
        var jobId = App.LastJobId(collectionId)!.Value;
        Assert.True(jobId > before);
        return jobId;
    }

    [Fact]
    public async Task Retry_runs_only_the_failed_rows_in_a_job_linked_both_ways()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "retry.csv", WithErrors);
        var job = await App.WaitForStatusAsync(jobId, Status.RanWithErrors);
        Assert.Equal(3, job.FailedRows);
        Assert.Single(Html.Tags(await admin.GetStringAsync($"/Jobs/{jobId}"), "retry-failed-rows"));

        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        Assert.Empty(Html.Tags(await viewer.GetStringAsync($"/Jobs/{jobId}"), "retry-failed-rows"));

        using var response = await PostRetryAsync(admin, jobId);
        var retryId = RedirectedJob(response);
        var retry = await App.WaitForStatusAsync(retryId, Status.Failed); // the rows, unchanged, fail again
        Assert.Equal(job.FailedRows, retry.TotalRows);
        Assert.Equal(jobId, retry.RetryOfJobId);
        Assert.Equal(collectionId, retry.CollectionId);
        Assert.Equal($"job-{jobId}-failed-rows.csv", retry.FileName);
        Assert.Equal(["R2", "R4", "R6"], (await App.AuditRowsAsync(retryId)).Skip(1).Select(r => r[2]));

        var retryPage = await admin.GetStringAsync($"/Jobs/{retryId}");
        Assert.Equal($"Retry of job {jobId}", Html.Text(retryPage, "job-retry-of"));
        Assert.Contains($"href=\"/Jobs/{jobId}\"", retryPage, StringComparison.Ordinal);
        var originalPage = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal($"Retried by job {retryId}", Html.Text(originalPage, "job-retried-by"));
        Assert.Contains($"href=\"/Jobs/{retryId}\"", originalPage, StringComparison.Ordinal);
        var tracker = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([$"retry of #{jobId}"], Html.Texts(tracker, "job-retry-of"));
    }

    [Fact]
    public async Task Retry_with_a_corrected_file_completes_the_collection()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "retry.csv", WithErrors);
        await App.WaitForStatusAsync(jobId, Status.RanWithErrors);
        var failed = await admin.GetStringAsync($"/Jobs/{jobId}/FailedRows");
        var corrected = failed.Replace(",two,", ",2,", StringComparison.Ordinal).Replace("R4,,4", "R4,Four,4", StringComparison.Ordinal)
            .Replace(",six,", ",6,", StringComparison.Ordinal);

        using var response = await PostRetryAsync(admin, jobId, "corrected.csv", corrected);
        var retryId = RedirectedJob(response);
        var retry = await App.WaitForStatusAsync(retryId, Status.Completed);
        Assert.Equal(3, retry.TotalRows);
        Assert.Equal("corrected.csv", retry.FileName);
        Assert.Equal(jobId, retry.RetryOfJobId);
        Assert.Equal(7, App.Records(collectionId).Count);
    }

    [Fact]
    public async Task A_completed_import_offers_no_retry_and_refuses_one()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "fine.csv", "customerId,name,amount\nF1,One,1\n");
        await App.WaitForStatusAsync(jobId, Status.Completed);
        Assert.Empty(Html.Tags(await admin.GetStringAsync($"/Jobs/{jobId}"), "retry-failed-rows"));
        using var response = await PostRetryAsync(admin, jobId);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("has no failed rows to retry", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_writes_nothing_reports_what_the_import_does_and_imports_for_real_in_one_click()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        // Existing records: D1 and D3 (D3 is updated by the file); D9 is repeated in the file across batches.
        var seed = await App.UploadAsync(admin, collectionId, "seed.csv", "customerId,name,amount\nD1,One,1\nD3,Three,3\n");
        await App.WaitForStatusAsync(seed, Status.Completed);
        var records = App.Records(collectionId);
        var count = RecordCount(collectionId);

        const string file = "customerId,name,amount\nD1,Uno,1\nD9,Nine,9\nD2,Two,x\nD3,Tres,3\nD9,Nueve,9\nD4,,4\nD5,Five,5\nD5,Cinco,5\n";
        var dryRunId = await DryRunAsync(admin, collectionId, "dry.csv", file);
        var dryRun = await App.WaitForStatusAsync(dryRunId, Status.RanWithErrors);
        Assert.True(dryRun.DryRun);
        Assert.Equal(8, dryRun.TotalRows);
        Assert.Equal(records, App.Records(collectionId)); // same rows, same data, same versions
        Assert.Equal(count, RecordCount(collectionId));

        var details = await admin.GetStringAsync($"/Jobs/{dryRunId}");
        Assert.Equal("Import (dry run)", Html.Text(details, "job-type"));
        Assert.Empty(Html.Tags(details, "retry-failed-rows"));
        var tracker = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Contains($"data-job-id=\"{dryRunId}\"", tracker, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(tracker, "<td>Import \\(dry run\\)</td>"));
        var dryAudit = await App.AuditRowsAsync(dryRunId);

        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{dryRunId}");
        Assert.Single(Html.Tags(details, "import-for-real"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Jobs/{dryRunId}/ImportForReal") { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        using var response = await admin.SendAsync(request);
        var realId = RedirectedJob(response);
        var real = await App.WaitForStatusAsync(realId, Status.RanWithErrors);
        Assert.False(real.DryRun);
        Assert.Equal(dryRun.SourceFileId, real.SourceFileId);
        Assert.Equal(dryRun.SucceededRows, real.SucceededRows);
        Assert.Equal(dryRun.FailedRows, real.FailedRows);

        var realAudit = await App.AuditRowsAsync(realId);
        // Row for row, but for the last column, time_utc: when each job's batch committed.
        Assert.Equal("time_utc", realAudit[0][^1]);
        Assert.Equal(
            realAudit.Select(r => string.Join("|", r[..^1])),
            dryAudit.Select(r => string.Join("|", r[..^1]).Replace("|would create|", "|created|", StringComparison.Ordinal)
                .Replace("|would update|", "|updated|", StringComparison.Ordinal)));
        Assert.Equal(
            ["would update", "would create", "failed", "would update", "would update", "failed", "would create", "would update"],
            dryAudit.Skip(1).Select(r => r[3]));
        Assert.Equal(4, App.Records(collectionId).Count); // D1, D3 (seed, updated), D9, D5 (created)
        Assert.Equal(4, RecordCount(collectionId));

        // The stored file both jobs refer to is no orphan, however old.
        await App.Services.GetRequiredService<StorageSweep>().RunAsync(DateTime.UtcNow.AddYears(1));
        var opened = await App.Services.GetRequiredService<FileStore>().OpenReadAsync(real.SourceFileId!.Value);
        Assert.NotNull(opened);
        await opened.Value.Content.DisposeAsync();
    }

    private long RecordCount(long collectionId)
    {
        using var connection = App.Database.Open();
        return Dapper.SqlMapper.ExecuteScalar<long>(connection, "SELECT record_count FROM collections WHERE id = @collectionId", new { collectionId });
    }
}
