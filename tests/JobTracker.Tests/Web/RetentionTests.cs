using System.Net;
using System.Net.Http.Headers;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Retention;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Quartz;

namespace JobTracker.Tests.Web;

/// <summary>
/// Retention (JobTracker:Retention) over real HTTP on a real database and storage: the nightly cleanup, run as the
/// Quartz job the app registers, with the app's clock moved forward; what expired is gone from disk or the database,
/// the pages and the API say when it expired, and nothing else changes.
/// </summary>
public sealed class RetentionTests
{
    /// <summary>3 rows in 2 batches (BatchSize 2); R2 fails: RAN WITH ERRORS, 2 records.</summary>
    private const string ImportCsv = "customerId,name,amount\nR1,Ada,1\nR2,Grace,not-a-number\nR3,Edsger,3\n";

    private static JobTrackerApp NewApp(MovedClock clock, StorageKind storage, Dictionary<string, string> retention) => new()
    {
        BatchSize = 2,
        Storage = storage,
        TestServices = services => services.AddKeyedSingleton<TimeProvider>(RetentionCleanup.ClockKey, clock),
        Settings = retention.ToDictionary(pair => "JobTracker:Retention:" + pair.Key, pair => pair.Value)
            // The nightly trigger never fires during a test: each test triggers the job itself.
            .Append(new KeyValuePair<string, string>("JobTracker:Retention:CleanupCron", "0 0 3 1 1 ? 2099"))
            .Append(new KeyValuePair<string, string>("JobTracker:OrphanFileAge", "00:01:00"))
            .ToDictionary(),
    };

    /// <summary>Runs the app's Quartz-registered cleanup job now and waits for it to end.</summary>
    private static async Task RunCleanupAsync(JobTrackerApp app)
    {
        var cleanup = app.Services.GetRequiredService<RetentionCleanup>();
        var before = cleanup.Runs;
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.NotNull(await scheduler.GetJobDetail(RetentionCleanupJob.Key));
        await scheduler.TriggerJob(RetentionCleanupJob.Key);
        var deadline = DateTime.UtcNow + JobTrackerApp.Patience;
        while (cleanup.Runs == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the retention cleanup did not run");
            await Task.Delay(50);
        }
    }

    private static string Expected(DateTime expiredAt, string kept) =>
        $"Expired on {TimeDisplay.Format(expiredAt, DateTimeZone.Utc)} ({kept})";

    private static DateTime? ExpiredAt(JobTrackerApp app, long jobId, string column)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<DateTime?>($"SELECT {column} FROM jobs WHERE id = @jobId", new { jobId });
    }

    /// <summary>The retention cleanup's activity entries about <paramref name="jobId"/>: (action, detail), oldest first.</summary>
    private static List<(string Action, string? Detail)> RetentionActivity(JobTrackerApp app, long jobId)
    {
        using var connection = app.Database.Open();
        return connection.Query<(string, string?)>(
            "SELECT action, detail FROM activity WHERE job_id = @jobId AND actor_name = 'retention' AND actor_user_id IS NULL ORDER BY id",
            new { jobId }).AsList();
    }

    private static long CountWhere(JobTrackerApp app, string sql, object parameters)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long>(sql, parameters);
    }

    private static async Task<string> AssertGoneAsync(HttpClient client, string path, string expected)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Gone, $"{path} answered {(int)response.StatusCode}: {body}");
        Assert.Equal(expected, System.Net.WebUtility.HtmlDecode(Html.Text(body, "expired") ?? ""));
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        return body;
    }

    [Theory]
    [InlineData(StorageKind.Folder)]
    [InlineData(StorageKind.Database)]
    public async Task Expired_files_and_audit_logs_are_deleted_and_say_when_and_nothing_else_changes(StorageKind storage)
    {
        var clock = new MovedClock();
        await using var app = NewApp(clock, storage, new() { ["UploadedFileDays"] = "30", ["ExportFileDays"] = "30", ["AuditLogDays"] = "90", ["FinishedJobDays"] = "0" });
        var collection = app.CreateCollection();
        var other = app.CreateCollection();
        using var admin = await app.SignInAsync();

        var importId = await app.UploadAsync(admin, collection, "old.csv", ImportCsv);
        await app.WaitForStatusAsync(importId, Status.RanWithErrors);
        var exportId = await ExportTests.SubmitExportAsync(app, admin, collection, "old-export", "1");
        await app.WaitForStatusAsync(exportId, Status.Completed);
        var otherImport = await app.UploadAsync(admin, other, "other.csv", "customerId,name\nO1,Other\n");
        await app.WaitForStatusAsync(otherImport, Status.Completed);
        // A finished import whose file an unfinished job still uses (as an import for real uses its dry run's file).
        var sharedImport = await app.UploadAsync(admin, other, "shared.csv", "customerId,name\nS1,Shared\n");
        await app.WaitForStatusAsync(sharedImport, Status.Completed);
        // A job finished 10 days before the moved clock: inside its window.
        var recentImport = await app.UploadAsync(admin, other, "recent.csv", "customerId,name\nN1,New\n");
        await app.WaitForStatusAsync(recentImport, Status.Completed);
        var unfinished = app.InsertBlockingJob(app.CreateCollection());
        using (var connection = app.Database.Open())
        {
            connection.Execute("UPDATE jobs SET source_file_id = @file WHERE id = @unfinished",
                new { file = app.Job(sharedImport).SourceFileId, unfinished });
            connection.Execute("UPDATE jobs SET finished_at = @at WHERE id = @recentImport",
                new { at = DateTime.UtcNow.AddDays(21), recentImport });
        }

        var importFile = app.Job(importId).SourceFileId!.Value;
        var exportFiles = app.Batches(exportId).Select(b => b.FileId!.Value).ToList();
        Assert.Equal(2, exportFiles.Count);
        var jobsBefore = new[] { importId, exportId, otherImport, sharedImport, recentImport, unfinished }.ToDictionary(id => id, app.Job);
        var batchesBefore = jobsBefore.Keys.ToDictionary(id => id, app.Batches);
        var recordsBefore = app.Records(collection);
        var otherRecordsBefore = app.Records(other);
        var diskBefore = app.StoredFilesOnDisk().Length;
        var auditBatches = CountWhere(app, "SELECT COUNT(*) FROM audit_entries WHERE job_id = @importId", new { importId });
        Assert.Equal(2, auditBatches);

        // Nothing has expired yet: the cleanup changes nothing, and Job Details says until when the files are kept.
        await RunCleanupAsync(app);
        Assert.Null(ExpiredAt(app, importId, "files_expired_at"));
        var details = await admin.GetStringAsync($"/Jobs/{importId}");
        var finished = app.Job(importId).FinishedAt!.Value;
        Assert.StartsWith($"Files of this job are kept until {TimeDisplay.Format(finished.AddDays(30), DateTimeZone.Utc)}; its audit log until {TimeDisplay.Format(finished.AddDays(90), DateTimeZone.Utc)}",
            System.Net.WebUtility.HtmlDecode(Html.Text(details, "retention")));

        // 31 days on: the uploaded and export files expire; audit logs (90 days) stay.
        clock.Ahead = TimeSpan.FromDays(31);
        await RunCleanupAsync(app);
        var filesExpiredAt = ExpiredAt(app, importId, "files_expired_at")!.Value;
        Assert.InRange(filesExpiredAt, DateTime.UtcNow.AddDays(31).AddMinutes(-2), DateTime.UtcNow.AddDays(31).AddMinutes(1));
        Assert.NotNull(ExpiredAt(app, exportId, "files_expired_at"));
        Assert.NotNull(ExpiredAt(app, otherImport, "files_expired_at"));
        Assert.Null(ExpiredAt(app, sharedImport, "files_expired_at"));
        Assert.Null(ExpiredAt(app, recentImport, "files_expired_at"));
        Assert.Null(ExpiredAt(app, unfinished, "files_expired_at"));
        Assert.Null(ExpiredAt(app, importId, "audit_expired_at"));
        Assert.Equal([("Files expired", "kept 30 days")], RetentionActivity(app, importId));
        Assert.Equal([("Files expired", "kept 30 days")], RetentionActivity(app, exportId));
        Assert.Empty(RetentionActivity(app, sharedImport));
        Assert.Empty(RetentionActivity(app, recentImport));

        // Gone from storage: rows, chunks and files on disk.
        foreach (var fileId in exportFiles.Append(importFile))
        {
            Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM stored_files WHERE id = @fileId", new { fileId }));
            Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM stored_file_chunks WHERE file_id = @fileId", new { fileId }));
        }
        if (storage == StorageKind.Folder) Assert.Equal(diskBefore - 4, app.StoredFilesOnDisk().Length); // the import's, the export's 2, the other import's
        else Assert.Empty(app.StoredFilesOnDisk());
        Assert.NotNull(await app.Services.GetRequiredService<FileStore>().OpenReadAsync(app.Job(sharedImport).SourceFileId!.Value));
        Assert.NotNull(await app.Services.GetRequiredService<FileStore>().OpenReadAsync(app.Job(recentImport).SourceFileId!.Value));
        Assert.Equal(auditBatches, CountWhere(app, "SELECT COUNT(*) FROM audit_entries WHERE job_id = @importId", new { importId }));

        // Nothing else changed: statuses, counts, batches, records.
        foreach (var (id, before) in jobsBefore)
        {
            var after = app.Job(id);
            Assert.Equal((before.Status, before.TotalRows, before.SucceededRows, before.FailedRows, before.BatchCount, before.FinishedAt),
                (after.Status, after.TotalRows, after.SucceededRows, after.FailedRows, after.BatchCount, after.FinishedAt));
            Assert.Equal(batchesBefore[id].Select(b => (b.BatchNo, b.Status, b.SucceededRows, b.FailedRows)),
                app.Batches(id).Select(b => (b.BatchNo, b.Status, b.SucceededRows, b.FailedRows)));
        }
        Assert.Equal(recordsBefore, app.Records(collection));
        Assert.Equal(otherRecordsBefore, app.Records(other));

        // The pages say when it expired, where the Download links were, and the downloads answer 410 Gone.
        var expired = Expected(filesExpiredAt, "kept 30 days");
        details = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/Jobs/{importId}"));
        Assert.Equal("Original file: " + expired, Html.Text(details, "files-expired"));
        Assert.Equal("Failed rows: " + expired, Html.Text(details, "failed-rows-expired"));
        Assert.Empty(Html.Tags(details, "download-file"));
        Assert.Empty(Html.Tags(details, "download-failed-rows"));
        Assert.Single(Html.Tags(details, "download-audit-log"));
        Assert.Equal(Status.RanWithErrors, Html.Text(details, "job-status"));
        var exportDetails = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/Jobs/{exportId}"));
        var exportExpired = Expected(ExpiredAt(app, exportId, "files_expired_at")!.Value, "kept 30 days");
        Assert.Equal("Download all: " + exportExpired, Html.Text(exportDetails, "files-expired"));
        Assert.Equal(2, Html.Texts(exportDetails, "batch-file-expired").Count(text => text == exportExpired));
        Assert.Empty(Html.Tags(exportDetails, "download-batch"));

        await AssertGoneAsync(admin, $"/Jobs/{importId}/File", expired);
        await AssertGoneAsync(admin, $"/Jobs/{importId}/FailedRows", expired);
        await AssertGoneAsync(admin, $"/Jobs/{exportId}/Batches/1/Download", exportExpired);
        await AssertGoneAsync(admin, $"/Jobs/{exportId}/Download", exportExpired);
        using (var audit = await admin.GetAsync($"/Jobs/{importId}/AuditLog"))
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);

        var token = await ApiFixture.CreateTokenAsync(app, JobTrackerApp.AdminUser);
        using var api = ApiFixture.Client(app, token);
        foreach (var (path, text) in new[] { ($"/api/v1/jobs/{importId}/file", expired), ($"/api/v1/jobs/{exportId}/archive", exportExpired), ($"/api/v1/jobs/{exportId}/batches/2/file", exportExpired) })
        {
            using var response = await api.GetAsync(path);
            await ApiFixture.AssertProblemAsync(response, 410, text);
        }

        // 91 days on: the audit log expires too; the job rows stay (FinishedJobDays 0: forever).
        clock.Ahead = TimeSpan.FromDays(91);
        await RunCleanupAsync(app);
        var auditExpiredAt = ExpiredAt(app, importId, "audit_expired_at")!.Value;
        Assert.Equal([("Files expired", "kept 30 days"), ("Audit log expired", "kept 90 days")], RetentionActivity(app, importId));
        Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM audit_entries WHERE job_id = @importId", new { importId }));
        Assert.Equal(1, CountWhere(app, "SELECT COUNT(*) FROM audit_entries WHERE job_id = @sharedImport", new { sharedImport }));
        var auditExpired = Expected(auditExpiredAt, "kept 90 days");
        await AssertGoneAsync(admin, $"/Jobs/{importId}/AuditLog", auditExpired);
        await AssertGoneAsync(admin, $"/Jobs/{importId}/AuditLog/1", auditExpired);
        using (var response = await api.GetAsync($"/api/v1/jobs/{importId}/audit-log"))
            await ApiFixture.AssertProblemAsync(response, 410, auditExpired);
        details = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/Jobs/{importId}"));
        Assert.Equal("Audit log: " + auditExpired, Html.Text(details, "audit-log-expired"));
        Assert.Equal(2, Html.Texts(details, "batch-audit-expired").Count);
        Assert.Equal(jobsBefore.Count, jobsBefore.Keys.Count(id => CountWhere(app, "SELECT COUNT(*) FROM jobs WHERE id = @id", new { id }) == 1));
        Assert.Equal(recordsBefore, app.Records(collection));
        Assert.Equal(otherRecordsBefore, app.Records(other));
        Assert.Equal(Status.InProgress, app.Job(unfinished).Status);
    }

    [Fact]
    public async Task Finished_jobs_expire_with_their_rows_and_0_keeps_the_rest_forever()
    {
        var clock = new MovedClock();
        await using var app = NewApp(clock, StorageKind.Folder, new() { ["UploadedFileDays"] = "0", ["ExportFileDays"] = "0", ["AuditLogDays"] = "0", ["FinishedJobDays"] = "10" });
        var collection = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var importId = await app.UploadAsync(admin, collection, "expiring.csv", ImportCsv);
        await app.WaitForStatusAsync(importId, Status.RanWithErrors);
        var retryId = await app.Services.GetRequiredService<RetrySubmission>().RetryAsync(importId, null, null, "tester");
        await app.WaitUntilFinishedAsync(retryId);
        var fileId = app.Job(importId).SourceFileId!.Value;
        var records = app.Records(collection);
        Assert.Equal(2, records.Count);

        // 5 days on: inside the job's window, and files and audit logs are kept forever (0).
        clock.Ahead = TimeSpan.FromDays(5);
        await RunCleanupAsync(app);
        Assert.Null(ExpiredAt(app, importId, "files_expired_at"));
        Assert.NotNull(await app.Services.GetRequiredService<FileStore>().OpenReadAsync(fileId));
        using (var audit = await admin.GetAsync($"/Jobs/{importId}/AuditLog"))
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);

        // 11 days on: the jobs go, with their batches, audit logs and files; the records keep their data.
        clock.Ahead = TimeSpan.FromDays(11);
        await RunCleanupAsync(app);
        foreach (var id in new[] { importId, retryId })
        {
            Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM jobs WHERE id = @id", new { id }));
            Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM batches WHERE job_id = @id", new { id }));
            Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM audit_entries WHERE job_id = @id", new { id }));
        }
        Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM stored_files", new { }));
        Assert.Empty(app.StoredFilesOnDisk());
        Assert.Equal(records, app.Records(collection));
        // The trail keeps what happened to them (the entries name the jobs' files as they were).
        foreach (var id in new[] { importId, retryId })
        {
            Assert.Equal([("Files expired", "the job is kept 10 days"), ("Audit log expired", "the job is kept 10 days"), ("Job expired", null)],
                RetentionActivity(app, id));
        }
        Assert.Equal(1, CountWhere(app, "SELECT COUNT(*) FROM activity WHERE action = 'Job expired' AND job_id = @importId AND object_label = 'expiring.csv'", new { importId }));
        using (var details = await admin.GetAsync($"/Jobs/{importId}"))
            Assert.Equal(HttpStatusCode.NotFound, details.StatusCode);
        var lastJob = records.Keys.Order().First();
        var record = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/Collections/{collection}/Record?key={Uri.EscapeDataString(lastJob)}"));
        Assert.Matches(@"^job \d+ \(expired\)$", Html.Text(record, "record-last-job-expired"));
        var list = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/Collections/{collection}/Records"));
        Assert.Equal(records.Count, Html.Texts(list, "record-last-job-expired").Count);
    }

    [Fact]
    public async Task A_schedule_keeps_the_files_of_its_last_N_exports_set_through_the_API()
    {
        var clock = new MovedClock();
        await using var app = NewApp(clock, StorageKind.Folder, new() { ["ExportFileDays"] = "0" });
        var collection = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var importId = await app.UploadAsync(admin, collection, "rows.csv", ImportCsv);
        await app.WaitForStatusAsync(importId, Status.RanWithErrors);

        var token = await ApiFixture.CreateTokenAsync(app, JobTrackerApp.AdminUser);
        using var api = ApiFixture.Client(app, token);
        using var created = await api.PostAsync($"/api/v1/collections/{collection}/schedules", new StringContent(
            """{"name":"Kept","cron":"0 0 2 * * ?","enabled":false,"keepLastExports":2}""", new MediaTypeHeaderValue("application/json")));
        var schedule = await ApiFixture.ReadAsync(created, HttpStatusCode.Created);
        Assert.Equal(2, schedule.GetProperty("keepLastExports").GetInt32());
        var scheduleId = schedule.GetProperty("id").GetInt64();

        var firer = app.Services.GetRequiredService<JobTracker.Jobs.Schedules.ScheduleFirer>();
        var exports = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var jobId = await firer.RunNowAsync(scheduleId, "tester") ?? throw new InvalidOperationException("no export queued");
            await app.WaitForStatusAsync(jobId, Status.Completed);
            exports.Add(jobId);
        }
        var otherExport = await ExportTests.SubmitExportAsync(app, admin, collection, "unscheduled", "1");
        await app.WaitForStatusAsync(otherExport, Status.Completed);

        await RunCleanupAsync(app);
        var expiredAt = ExpiredAt(app, exports[0], "files_expired_at");
        Assert.NotNull(expiredAt);
        Assert.All(app.Batches(exports[0]), b => Assert.Null(b.FileId));
        foreach (var kept in exports.Skip(1).Append(otherExport))
        {
            Assert.Null(ExpiredAt(app, kept, "files_expired_at"));
            Assert.All(app.Batches(kept), b => Assert.NotNull(b.FileId));
        }
        await AssertGoneAsync(admin, $"/Jobs/{exports[0]}/Download", Expected(expiredAt.Value, "its schedule keeps only its newest exports"));
        using (var archive = await admin.GetAsync($"/Jobs/{exports[2]}/Download"))
            Assert.Equal(HttpStatusCode.OK, archive.StatusCode);

        // Changing the limit through the API (0 = no limit) keeps every later export.
        using var edited = await api.PutAsync($"/api/v1/collections/{collection}/schedules/{scheduleId}", new StringContent(
            """{"keepLastExports":0}""", new MediaTypeHeaderValue("application/json")));
        var changed = await ApiFixture.ReadAsync(edited, HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, changed.GetProperty("keepLastExports").ValueKind);
        var fourth = await firer.RunNowAsync(scheduleId, "tester") ?? throw new InvalidOperationException("no export queued");
        await app.WaitForStatusAsync(fourth, Status.Completed);
        await RunCleanupAsync(app);
        Assert.All(exports.Skip(1).Append(fourth), id => Assert.Null(ExpiredAt(app, id, "files_expired_at")));
    }

    [Fact]
    public async Task Activity_entries_older_than_ActivityDays_go_and_the_rest_stay()
    {
        var clock = new MovedClock();
        await using var app = NewApp(clock, StorageKind.Folder, new() { ["ActivityDays"] = "30", ["UploadedFileDays"] = "0", ["AuditLogDays"] = "0" });
        var collection = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var importId = await app.UploadAsync(admin, collection, "kept.csv", ImportCsv);
        await app.WaitForStatusAsync(importId, Status.RanWithErrors);
        var jobEntries = CountWhere(app, "SELECT COUNT(*) FROM activity WHERE job_id = @importId", new { importId });
        Assert.Equal(2, jobEntries); // Submit import, Job finished
        var all = CountWhere(app, "SELECT COUNT(*) FROM activity", new { });

        // 20 days on: inside the window, nothing goes.
        clock.Ahead = TimeSpan.FromDays(20);
        await RunCleanupAsync(app);
        Assert.Equal(all, CountWhere(app, "SELECT COUNT(*) FROM activity", new { }));

        // 31 days on: every entry so far is older than 30 days; the job itself, its files and audit log stay (0 = forever).
        clock.Ahead = TimeSpan.FromDays(31);
        await RunCleanupAsync(app);
        Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM activity", new { }));
        Assert.Equal(Status.RanWithErrors, app.Job(importId).Status);
        using (var audit = await admin.GetAsync($"/Jobs/{importId}/AuditLog"))
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);

        // What happens next is recorded again.
        using (var audit = await admin.GetAsync($"/Jobs/{importId}/File"))
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        Assert.Equal(2, CountWhere(app, "SELECT COUNT(*) FROM activity WHERE job_id = @importId", new { importId })); // the two downloads
    }

    [Fact]
    public async Task The_periodic_sweep_removes_stale_mapping_uploads_and_leaves_the_folder_listing_to_the_nightly_cleanup()
    {
        var clock = new MovedClock();
        await using var app = NewApp(clock, StorageKind.Folder, new());
        _ = app.BaseAddress; // started: the start-up sweep has run
        var pending = await app.Services.GetRequiredService<MappingStep>().StoreAsync(
            new MemoryStream("customerId,name\nP1,Pending\n"u8.ToArray()), "pending.csv", "tester", null);
        var stray = Path.Combine(app.Folder.StoragePath, $"{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(stray, "x");
        var old = DateTime.UtcNow.AddHours(-2);
        File.SetLastWriteTimeUtc(stray, old);
        foreach (var path in app.StoredFilesOnDisk()) File.SetLastWriteTimeUtc(path, old);
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE stored_files SET created_at = @old WHERE id = @pending", new { old, pending });

        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(StorageSweepJob.Key);
        var deadline = DateTime.UtcNow + JobTrackerApp.Patience;
        while (CountWhere(app, "SELECT COUNT(*) FROM stored_files WHERE id = @pending", new { pending }) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the periodic sweep did not remove the pending upload");
            await Task.Delay(50);
        }
        Assert.Equal([stray], app.StoredFilesOnDisk());

        await RunCleanupAsync(app);
        Assert.Empty(app.StoredFilesOnDisk());
        Assert.Equal(0, CountWhere(app, "SELECT COUNT(*) FROM stored_files", new { }));
    }
}
