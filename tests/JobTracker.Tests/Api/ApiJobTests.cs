using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace JobTracker.Tests.Api;

/// <summary>
/// Jobs through the API, end to end over real HTTP with an admin's token: import, poll, audit log; the Job
/// Tracker's filters and keyset paging; Stop; an export's batch files and archive; and problem details for
/// what a caller gets wrong.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiJobTests(ApiFixture fixture)
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task An_import_is_accepted_runs_to_COMPLETED_and_its_audit_log_and_file_download()
    {
        var collectionId = App.CreateCollection();
        using var admin = fixture.Client(Roles.Admin);
        const string csv = "customerId,name\nK1,Ada\nK2,Grace\nK3,Barbara\n";

        var jobId = await ApiFixture.ImportAsync(admin, collectionId, "customers.csv", csv);
        var job = await ApiFixture.WaitForJobAsync(admin, jobId);

        Assert.Equal(Status.Completed, job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("totalRows").GetInt64());
        Assert.Equal(3, job.GetProperty("succeededRows").GetInt64());
        Assert.Equal(JobTrackerApp.AdminUser, job.GetProperty("initiatedBy").GetString());
        var details = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{jobId}");
        Assert.Equal([(0, Status.Completed), (1, Status.Completed)],
            details.GetProperty("batches").EnumerateArray().Select(b => (b.GetProperty("batchNo").GetInt32(), b.GetProperty("status").GetString())));

        using var audit = await admin.GetAsync($"/api/v1/jobs/{jobId}/audit-log");
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        Assert.Equal("text/csv", audit.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"audit-{jobId}.csv", audit.Content.Headers.ContentDisposition?.FileName);
        var rows = Csv.Parse((await audit.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        Assert.Equal(["K1", "K2", "K3"], rows.Skip(1).Select(r => r[2]));
        Assert.All(rows.Skip(1), r => Assert.Equal("created", r[3]));

        var batchRows = Csv.Parse((await admin.GetStringAsync($"/api/v1/jobs/{jobId}/audit-log?batch=1")).TrimStart('\uFEFF'));
        Assert.Equal(["K3"], batchRows.Skip(1).Select(r => r[2]));
        Assert.Equal(csv, await admin.GetStringAsync($"/api/v1/jobs/{jobId}/file"));
        await ApiFixture.AssertProblemAsync(await admin.GetAsync($"/api/v1/jobs/{jobId}/audit-log?batch=7"), 404, $"There is no import with id {jobId} that has a batch 7");
        await ApiFixture.AssertProblemAsync(await admin.GetAsync($"/api/v1/jobs/{fixture.ExportJobId}/audit-log"), 404, "only imports have an audit log");
    }

    [Fact]
    public async Task Validate_only_makes_a_dry_run()
    {
        var collectionId = App.CreateCollection();
        using var admin = fixture.Client(Roles.Admin);
        using var response = await ApiFixture.PostImportAsync(admin, collectionId, "dry.csv", "customerId,name\nD1,x\n", validateOnly: true);
        var jobId = (await ApiFixture.ReadAsync(response, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();

        var job = await ApiFixture.WaitForJobAsync(admin, jobId);

        Assert.True(job.GetProperty("dryRun").GetBoolean());
        Assert.Empty(App.Records(collectionId));
    }

    [Fact]
    public async Task What_an_import_refuses_is_a_problem_with_a_clear_detail_and_nothing_is_stored()
    {
        using var admin = fixture.Client(Roles.Admin);
        var jobs = App.Count("jobs");
        var files = App.Count("stored_files");

        await ApiFixture.AssertProblemAsync(await ApiFixture.PostImportAsync(admin, fixture.CollectionId, "notes.txt", "hello"), 415, "Only .csv, .json and .jsonl files");
        await ApiFixture.AssertProblemAsync(await admin.PostAsync($"/api/v1/collections/{fixture.CollectionId}/imports",
            new StringContent("customerId,name\n", Encoding.UTF8, "text/csv")), 415, "multipart/form-data");
        var noFile = new MultipartFormDataContent { { new StringContent("true"), "validate_only" } };
        await ApiFixture.AssertProblemAsync(await admin.PostAsync($"/api/v1/collections/{fixture.CollectionId}/imports", noFile), 400, "There is no file in the upload");
        await ApiFixture.AssertProblemAsync(await ApiFixture.PostImportAsync(admin, fixture.CollectionId, "empty.csv", ""), 400, "empty");
        await ApiFixture.AssertProblemAsync(await ApiFixture.PostImportAsync(admin, 987654, "x.csv", "a\n1\n"), 404, "no record collection with id 987654");

        Assert.Equal(jobs, App.Count("jobs"));
        Assert.Equal(files, App.Count("stored_files"));
    }

    [Fact]
    public async Task The_job_list_has_the_Job_Trackers_filters_and_keyset_paging()
    {
        var collectionId = App.CreateCollection();
        var ids = new[] { Status.Completed, Status.Failed, Status.Completed, Status.Canceled, Status.Completed }
            .Select((status, i) => App.InsertJob(collectionId, status, $"file-{i}.csv", initiatedBy: i % 2 == 0 ? "ann" : "bob")).ToList();
        ids.Reverse(); // newest first
        using var viewer = fixture.Client(Roles.Viewer);

        var seen = new List<long>();
        long? after = null;
        var pages = 0;
        do
        {
            var page = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/collections/{collectionId}/jobs?limit=2" + (after is null ? "" : $"&after={after}"));
            seen.AddRange(page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));
            after = page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextAfter").GetInt64();
            pages++;
        }
        while (after is not null);
        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);

        var completed = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/collections/{collectionId}/jobs?status=completed&initiatedBy=ANN");
        Assert.Equal([ids[0], ids[2], ids[4]], completed.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));
        var named = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/collections/{collectionId}/jobs?name=file-3");
        Assert.Equal([ids[1]], named.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));

        await ApiFixture.AssertProblemAsync(await viewer.GetAsync($"/api/v1/collections/{collectionId}/jobs?status=DONE"), 400, "is not one of QUEUED");
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync($"/api/v1/collections/{collectionId}/jobs?from=31.01.2025"), 400, "yyyy-MM-dd");
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync($"/api/v1/collections/{collectionId}/jobs?limit=0"), 400, "limit");
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync($"/api/v1/collections/{collectionId}/jobs?after={fixture.ImportJobId}"), 400, "names no job");
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync("/api/v1/collections/987654/jobs"), 404, "no record collection");
    }

    [Fact]
    public async Task Stop_cancels_an_unfinished_job_and_a_finished_one_is_a_conflict()
    {
        var jobId = App.InsertBlockingJob(App.CreateCollection());
        using var admin = fixture.Client(Roles.Admin);

        var stopped = await ApiFixture.ReadAsync(await admin.PostAsync($"/api/v1/jobs/{jobId}/stop", null), HttpStatusCode.OK);

        Assert.Equal(Status.Canceled, stopped.GetProperty("status").GetString());
        var job = App.Job(jobId);
        Assert.Equal(Status.Canceled, job.Status);
        Assert.Equal($"Stopped by {JobTrackerApp.AdminUser}.", job.StatusReason);
        await ApiFixture.AssertProblemAsync(await admin.PostAsync($"/api/v1/jobs/{jobId}/stop", null), 409, "has already finished (CANCELED)");
        await ApiFixture.AssertProblemAsync(await admin.PostAsync("/api/v1/jobs/987654/stop", null), 404, "no job with id 987654");
    }

    [Fact]
    public async Task An_export_has_its_batches_batch_files_and_archive()
    {
        using var support = fixture.Client(Roles.Support);

        var details = await support.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{fixture.ExportJobId}");
        Assert.Equal(Status.Completed, details.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal("fixture-export", details.GetProperty("job").GetProperty("exportName").GetString());
        var batches = details.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("batchNo").GetInt32()).ToList();
        Assert.Equal([0, 1], batches);

        var keys = new List<string>();
        foreach (var batchNo in batches)
        {
            using var file = await support.GetAsync($"/api/v1/jobs/{fixture.ExportJobId}/batches/{batchNo}/file");
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal($"fixture-export-{batchNo}.json", file.Content.Headers.ContentDisposition?.FileName);
            var records = JsonSerializer.Deserialize<JsonElement>(await file.Content.ReadAsStringAsync());
            keys.AddRange(records.EnumerateArray().Select(r => r.GetProperty("customerId").GetString()!));
        }
        Assert.Equal(["A1", "A2", "A3"], keys.Order());

        using var archive = await support.GetAsync($"/api/v1/jobs/{fixture.ExportJobId}/archive");
        Assert.Equal("application/zip", archive.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await archive.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["fixture-export-0.json", "fixture-export-1.json"], zip.Entries.Select(e => e.Name));

        await ApiFixture.AssertProblemAsync(await support.GetAsync($"/api/v1/jobs/{fixture.ExportJobId}/batches/9/file"), 404, "no finished batch file 9");
        await ApiFixture.AssertProblemAsync(await support.GetAsync($"/api/v1/jobs/{fixture.ImportJobId}/archive"), 404, "no export with id");
        var paged = await support.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{fixture.ExportJobId}?batchLimit=1");
        Assert.Equal(0, paged.GetProperty("nextAfterBatch").GetInt32());
        var rest = await support.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{fixture.ExportJobId}?batchLimit=1&afterBatch=0&batchStatus=completed");
        Assert.Equal([1], rest.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("batchNo").GetInt32()));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextAfterBatch").ValueKind);
    }

    [Fact]
    public async Task An_export_takes_a_name_and_records_per_file_or_says_what_is_wrong()
    {
        using var admin = fixture.Client(Roles.Admin);
        var jobs = App.Count("jobs");

        await ApiFixture.AssertProblemAsync(await admin.PostAsJsonAsync($"/api/v1/collections/{fixture.CollectionId}/exports", new { exportName = "no spaces" }), 400, "can only use letters");
        await ApiFixture.AssertProblemAsync(await admin.PostAsJsonAsync($"/api/v1/collections/{fixture.CollectionId}/exports", new { recordsPerFile = 0 }), 400, "Records per file must be between 1");
        await ApiFixture.AssertProblemAsync(await admin.PostAsync($"/api/v1/collections/{fixture.CollectionId}/exports",
            new StringContent("{not json", Encoding.UTF8, "application/json")), 400);
        Assert.Equal(jobs, App.Count("jobs"));

        using var response = await admin.PostAsJsonAsync($"/api/v1/collections/{fixture.CollectionId}/exports", new { });
        var jobId = (await ApiFixture.ReadAsync(response, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        var job = await ApiFixture.WaitForJobAsync(admin, jobId);
        Assert.StartsWith(ApiTestNames.Slug(App, fixture.CollectionId) + "-", job.GetProperty("exportName").GetString());
        Assert.Equal(Status.Completed, job.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_endpoints_and_methods_are_problems_too_not_html()
    {
        using var viewer = fixture.Client(Roles.Viewer);

        await ApiFixture.AssertProblemAsync(await viewer.GetAsync("/api/v1/nothing-here"), StatusCodes.Status404NotFound, "There is no API endpoint GET /api/v1/nothing-here");
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync("/api/v1/jobs/987654"), StatusCodes.Status404NotFound, "no job with id 987654");
        await ApiFixture.AssertProblemAsync(await viewer.DeleteAsync("/api/v1/workspaces"), StatusCodes.Status405MethodNotAllowed);
        await ApiFixture.AssertProblemAsync(await viewer.GetAsync("/api/v1/workspaces/987654"), StatusCodes.Status404NotFound, "no workspace with id 987654");
    }
}
