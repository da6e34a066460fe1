using System.Net;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>The app with batches of 3 rows, so that small files make several batches.</summary>
public sealed class FailedRowsFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new() { BatchSize = 3 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The per-batch audit download and the failed-rows file, over real HTTP, with the real workers.</summary>
public sealed class FailedRowsTests(FailedRowsFixture fixture) : IClassFixture<FailedRowsFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task Each_batch_of_an_import_has_its_own_audit_download_for_admin_and_support_and_not_for_viewers()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "batches.csv",
            "customerId,name,amount\nB1,One,1\nB2,Two,2\nB3,Three,3\nB4,Four,4\nB5,Five,five\nB6,Six,6\nB7,Seven,7\n");
        await App.WaitForStatusAsync(jobId, Status.RanWithErrors);

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal([$"/Jobs/{jobId}/AuditLog/0", $"/Jobs/{jobId}/AuditLog/1", $"/Jobs/{jobId}/AuditLog/2"],
            Html.Tags(details, "download-batch-audit").Select(t => Html.Attribute(t, "href")));

        var whole = Csv.Parse((await admin.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF'));
        using var response = await admin.GetAsync($"/Jobs/{jobId}/AuditLog/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"job-{jobId}-batch-1-audit.csv", response.Content.Headers.ContentDisposition!.FileName);
        var batch = Csv.Parse((await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        Assert.Equal(whole[0], batch[0]);
        Assert.Equal(whole.Skip(1).Where(l => l[1] == "1"), batch.Skip(1));
        Assert.Equal(
        [
            ["4", "1", "B4", "created", "", ""],
            ["5", "1", "B5", "failed", "amount", "amount must be a decimal number; got 'five'."],
            ["6", "1", "B6", "created", "", ""],
        ], batch.Skip(1).Select(l => l[..6]));
        Assert.All(batch.Skip(1), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", l[6])); // time_utc: when the batch committed

        using (var missing = await admin.GetAsync($"/Jobs/{jobId}/AuditLog/9"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var support = await App.SignInAsAsync(Roles.Support);
        Assert.Equal(3, Html.Tags(await support.GetStringAsync($"/Jobs/{jobId}"), "download-batch-audit").Count);
        Assert.Equal(batch, Csv.Parse((await support.GetStringAsync($"/Jobs/{jobId}/AuditLog/1")).TrimStart('\uFEFF')));

        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        var viewed = await viewer.GetStringAsync($"/Jobs/{jobId}");
        Assert.Empty(Html.Tags(viewed, "download-batch-audit"));
        Assert.Empty(Html.Tags(viewed, "download-failed-rows"));
        foreach (var path in new[] { $"/Jobs/{jobId}/AuditLog/1", $"/Jobs/{jobId}/FailedRows" })
        {
            using var refused = await viewer.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Equal("/Account/AccessDenied", refused.Headers.Location!.AbsolutePath);
            Assert.Null(refused.Content.Headers.ContentDisposition);
        }
    }

    public static TheoryData<string, string, string, string[]> Files => new()
    {
        {
            "customers.csv",
            "customerId,name,amount\r\nC1,Alice,1\r\nC2,\"Bob\r\n\"\"B\"\", Smith\",lots\r\nC3,Carol,3\r\n\r\nC4,,4\r\nC5,\"Eve, E\",5\r\nC6,Frank,x\r\nC7,Gus,7",
            "customerId,name,amount,_error_field,_error_message\r\n"
            + "C2,\"Bob\r\n\"\"B\"\", Smith\",lots,amount,amount must be a decimal number; got 'lots'.\r\n"
            + "C4,,4,name,name is required.\r\n"
            + "C6,Frank,x,amount,amount must be a decimal number; got 'x'.\r\n",
            ["lots|2", ",,4|,Dan,4", ",x,|,6,"]
        },
        {
            "customers.jsonl",
            "{\"customerId\":\"L1\",\"name\":\"A\",\"amount\":1}\n{\"customerId\":\"L2\", \"name\":\"B\\nb\",\"amount\":\"lots\"}\n{\"customerId\":\"L3\",\"name\":\"C\"}\n\n{ \"customerId\":\"L4\",\"amount\":4 }\n{\"customerId\":\"L5\",\"name\":\"E\",\"amount\":5}\n",
            "{\"customerId\":\"L2\", \"name\":\"B\\nb\",\"amount\":\"lots\",\"_error_field\":\"amount\",\"_error_message\":\"amount must be a decimal number; got \\u0027lots\\u0027.\"}\n"
            + "{ \"customerId\":\"L4\",\"amount\":4 ,\"_error_field\":\"name\",\"_error_message\":\"name is required.\"}\n",
            ["\"lots\"|2", "\"amount\":4 |\"amount\":4, \"name\":\"D\" "]
        },
        {
            "customers.json",
            "[\n  {\"customerId\":\"J1\",\"name\":\"A\",\"amount\":1},\n  {\"customerId\":\"J2\",\"name\":\"B\",\"amount\":true},\n  {\"customerId\":\"J3\",\"name\":\"C\"},\n  {\"customerId\":\"J4\",\"name\":\"\",\"amount\":4}\n]",
            "[\n{\"customerId\":\"J2\",\"name\":\"B\",\"amount\":true,\"_error_field\":\"amount\",\"_error_message\":\"amount must be a decimal number; got \\u0027true\\u0027.\"},\n"
            + "{\"customerId\":\"J4\",\"name\":\"\",\"amount\":4,\"_error_field\":\"name\",\"_error_message\":\"name is required.\"}\n]\n",
            ["true|2", "\"\"|\"D\""]
        },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task The_failed_rows_come_back_as_they_were_and_fixed_and_uploaded_again_they_complete_the_collection(
        string fileName, string content, string expected, string[] fixes)
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, fileName, content);
        var job = await App.WaitForStatusAsync(jobId, Status.RanWithErrors);

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal($"/Jobs/{jobId}/FailedRows", Html.Attribute(Html.Tags(details, "download-failed-rows").Single(), "href"));
        using var response = await admin.GetAsync($"/Jobs/{jobId}/FailedRows");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var extension = Path.GetExtension(fileName);
        Assert.Equal($"job-{jobId}-failed-rows{extension}", response.Content.Headers.ContentDisposition!.FileName);
        var failed = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected, failed);

        var fixedRows = fixes.Select(f => f.Split('|')).Aggregate(failed, (text, f) => text.Replace(f[0], f[1], StringComparison.Ordinal));
        var retry = await App.UploadAsync(admin, collectionId, "fixed" + extension, fixedRows);
        var retried = await App.WaitForStatusAsync(retry, Status.Completed);

        Assert.Equal(job.FailedRows, retried.TotalRows);
        var records = App.Records(collectionId);
        Assert.Equal(job.TotalRows, records.Count);
        Assert.All(records.Values, r => Assert.DoesNotContain("_error_", r.Data, StringComparison.Ordinal));

        using var support = await App.SignInAsAsync(Roles.Support);
        Assert.Equal(expected, await support.GetStringAsync($"/Jobs/{jobId}/FailedRows"));
        using (var none = await admin.GetAsync($"/Jobs/{retry}/FailedRows"))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Empty(Html.Tags(await admin.GetStringAsync($"/Jobs/{retry}"), "download-failed-rows"));
    }
}
