using System.Text;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Issue 12, items 1 and 2 over real HTTP: a JSON file's reason on Job Details and in the Audit Log says
/// what is wrong in the file in a person's words, and a deep record is "too deep", not "malformed".
/// </summary>
public sealed class JsonReasonTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task A_trailing_comma_fails_the_file_with_what_and_where_and_nothing_about_the_parser()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "comma.json", "[\n{\"customerId\":\"T1\",\"name\":\"One\"},\n{\"customerId\":\"T2\",\"name\":\"Two\",}\n]\n");

        var job = await App.WaitForStatusAsync(jobId, Status.Failed);
        const string Reason = "The JSON is malformed at line 3, byte 33: a trailing comma after the last field.";
        Assert.Equal(Reason, job.StatusReason);
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(Reason, Html.Text(details, "job-status-reason"));
        Assert.DoesNotContain("reader options", details, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task In_json_lines_a_trailing_comma_fails_its_row_and_the_audit_log_says_what_and_where()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "comma.jsonl", "{\"customerId\":\"L1\",\"name\":\"One\"}\n{\"customerId\":0,}\n");

        await App.WaitForStatusAsync(jobId, Status.RanWithErrors);
        var audit = Csv.Parse((await admin.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF'));
        Assert.Equal(["2", "0", "", "failed", "", "Line 2 is not a valid JSON object: a trailing comma after the last field, byte 17."], audit[2][..6]);
    }

    [Fact]
    public async Task A_record_nesting_deeper_than_64_levels_fails_as_a_row_saying_so_and_the_others_import()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var deep = new StringBuilder("{\"customerId\":\"D2\",\"name\":\"Deep\",\"tree\":").Append('[', 69).Append('1').Append(']', 69).Append('}');
        var jobId = await App.UploadAsync(admin, collectionId, "deep.json",
            $"[\n{{\"customerId\":\"D1\",\"name\":\"Flat\"}},\n{deep},\n{{\"customerId\":\"D3\",\"name\":\"Flat too\"}}\n]\n");

        var job = await App.WaitForStatusAsync(jobId, Status.RanWithErrors);
        Assert.Equal((3L, 2L, 1L), (job.TotalRows!.Value, job.SucceededRows, job.FailedRows));
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal("1 of 3 rows failed. Download the Audit Log to see which and why.", Html.Text(details, "job-status-reason"));
        var audit = Csv.Parse((await admin.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF'));
        Assert.Equal(["2", "0", "", "failed", "", "The record nests 70 levels deep; the limit is 64 (JobTracker:MaxJsonDepth)."], audit[2][..6]);
        Assert.DoesNotContain("malformed", audit[2][5]);
        Assert.Equal(["D1", "D3"], App.Records(collectionId).Keys.Order());
    }
}
