using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages.Collections;

namespace JobTracker.Tests.Web;

/// <summary>
/// Cheap polls over real HTTP: the Job Tracker's table and Job Details' batch table carry the version of
/// what they show (data-etag); their poll sends it back (If-None-Match) and gets 304 Not Modified, with
/// no body, while nothing it shows changed, and 200 with the new content when something did (a job's
/// rows or state, a batch, the filter, the page). The version differs wherever the HTML does (the
/// user's time zone and role). The polls' answers are compressed when the client accepts it, and
/// nothing else is.
/// </summary>
public sealed class PollTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private sealed record Answer(HttpStatusCode Status, string Body, string? ETag, string? Trigger);

    /// <summary>A poll as site.js and htmx send it: HX-Request, the table's state, and If-None-Match when it has a version.</summary>
    private static async Task<Answer> PollAsync(HttpClient client, string path, string? etag, string? seen = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("HX-Request", "true");
        if (seen is not null) request.Headers.Add(JobsModel.SeenHeader, seen);
        if (etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var response = await client.SendAsync(request);
        var trigger = response.Headers.TryGetValues("HX-Trigger", out var values) ? values.Single() : null;
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.ETag?.ToString(), trigger);
    }

    private static string ETagOf(string html, string testId) => Html.Attribute(Html.Tags(html, testId).Single(), "data-etag")!;

    private static string Seen(string html)
    {
        using var json = JsonDocument.Parse(Html.Attribute(Html.Tags(html, "job-table").Single(), "hx-headers")!);
        return json.RootElement.GetProperty(JobsModel.SeenHeader).GetString()!;
    }

    /// <summary>A 200 that renders the table: its ETag header is the version its data-etag names.</summary>
    private static string Rendered(Answer answer, string testId)
    {
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.NotNull(answer.ETag);
        Assert.StartsWith("W/\"", answer.ETag);
        Assert.Equal(answer.ETag, ETagOf(answer.Body, testId));
        return answer.ETag!;
    }

    private static void NotModified(Answer answer, string etag)
    {
        Assert.Equal(HttpStatusCode.NotModified, answer.Status);
        Assert.Equal("", answer.Body);
        Assert.Equal(etag, answer.ETag);
        Assert.Null(answer.Trigger);
    }

    [Fact]
    public async Task The_Job_Tracker_poll_answers_304_while_nothing_changed_and_the_new_table_when_something_did()
    {
        var c = app.CreateCollection();
        for (var i = 0; i < JobsModel.PageSize; i++) app.InsertJob(c, Status.Completed, $"old-{i}.csv");
        var held = app.InsertBlockingJob(c); // IN PROGRESS on another node: the table polls, nothing here runs it
        using var admin = await app.SignInAsync();
        var path = $"/Collections/{c}/Jobs";

        // The page's table names its version; its poll with it: 304, no body, no rendering.
        var page = await admin.GetStringAsync(path);
        var etag = ETagOf(page, "job-table");
        var seen = Seen(page);
        NotModified(await PollAsync(admin, path, etag, seen), etag);
        NotModified(await PollAsync(admin, path, etag, seen), etag);
        // Without If-None-Match (a paging link, a search): the table.
        Assert.Equal(etag, Rendered(await PollAsync(admin, path, null, seen), "job-table"));

        // The running job commits rows: the next poll brings them, with a new version that then holds.
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE jobs SET succeeded_rows = 40, total_rows = 100 WHERE id = @held", new { held });
        var answer = await PollAsync(admin, path, etag, seen);
        var changed = Rendered(answer, "job-table");
        Assert.NotEqual(etag, changed);
        Assert.Null(answer.Trigger); // rows, not a state: the chips stay
        Assert.Equal("40 / 100", Html.Texts(answer.Body, "job-rows")[0]);
        NotModified(await PollAsync(admin, path, changed, seen), changed);

        // A job of the collection changes state (a new one is queued): the new table, and the chips count again.
        var queued = app.InsertJob(c, Status.Queued, "next.csv");
        answer = await PollAsync(admin, path, changed, seen);
        var withQueued = Rendered(answer, "job-table");
        Assert.Equal(JobsModel.ChangedEvent, answer.Trigger);
        Assert.Equal(queued, Html.JobRows(answer.Body)[0].Id);
        seen = Seen(answer.Body);
        NotModified(await PollAsync(admin, path, withQueued, seen), withQueued);

        // Another filter or another page is another version: the old one gets the table.
        var filtered = path + "?status=IN%20PROGRESS";
        answer = await PollAsync(admin, filtered, withQueued, seen);
        var filteredETag = Rendered(answer, "job-table");
        Assert.Equal([(held, Status.InProgress)], Html.JobRows(answer.Body));
        NotModified(await PollAsync(admin, filtered, filteredETag, seen), filteredETag);
        var rows = Html.JobRows(await admin.GetStringAsync(path));
        var second = $"{path}?after={rows[^1].Id}&page=2";
        answer = await PollAsync(admin, second, withQueued, seen);
        var secondETag = Rendered(answer, "job-table");
        Assert.NotEqual(withQueued, secondETag);
        Assert.Contains("<span>Page 2</span>", answer.Body);
        NotModified(await PollAsync(admin, second, secondETag, seen), secondETag);

        // The held job ends and the queued one is stopped: the last table, which no longer polls.
        await app.StopJobAsync(queued);
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE jobs SET status = @Completed, finished_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @held",
                new { Status.Completed, now = DateTime.UtcNow, held });
        answer = await PollAsync(admin, path, withQueued, seen);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var table = Html.Tags(answer.Body, "job-table").Single();
        Assert.Equal("false", Html.Attribute(table, "data-polling"));
        Assert.Null(Html.Attribute(table, "hx-trigger"));
        Assert.Contains((held, Status.Completed), Html.JobRows(answer.Body));
    }

    [Fact]
    public async Task The_version_differs_by_the_users_time_zone_and_role_and_not_by_who_asks()
    {
        var c = app.CreateCollection();
        app.InsertJob(c, Status.Completed, "done.csv");
        app.InsertBlockingJob(c);
        var path = $"/Collections/{c}/Jobs";
        var berliner = app.CreateUser(Roles.Admin);
        var otherAdmin = app.CreateUser(Roles.Admin);
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE users SET time_zone = 'Europe/Berlin' WHERE user_name = @berliner", new { berliner });
        using var admin = await app.SignInAsync();
        using var inBerlin = await app.SignInAsync(berliner);
        using var another = await app.SignInAsync(otherAdmin);
        using var viewer = await app.SignInAsAsync(Roles.Viewer);

        var adminPage = await admin.GetStringAsync(path);
        var etag = ETagOf(adminPage, "job-table");
        var seen = Seen(adminPage);

        // Another zone: the times read otherwise, so the admin's version is not the Berliner's.
        var answer = await PollAsync(inBerlin, path, etag, seen);
        Assert.NotEqual(etag, Rendered(answer, "job-table"));
        Assert.Contains("Europe/Berlin", answer.Body);
        // Another role: another version.
        Assert.NotEqual(etag, Rendered(await PollAsync(viewer, path, etag, seen), "job-table"));
        // Another admin in the same zone sees the very same table: the same version.
        NotModified(await PollAsync(another, path, etag, seen), etag);
        Assert.Equal(etag, ETagOf(await another.GetStringAsync(path), "job-table"));
    }

    [Fact]
    public async Task The_Job_Details_poll_answers_304_until_a_batch_or_the_job_changes_and_the_last_answer_shows_the_end()
    {
        // An import held by another node, split into 3 batches, none committed yet (no progress figures, which move with the clock).
        var c = app.CreateCollection();
        var job = app.InsertBlockingJob(c);
        using (var connection = app.Database.Open())
        {
            connection.Execute("UPDATE jobs SET started_at = NULL, total_rows = 60, batch_count = 3 WHERE id = @job", new { job });
            for (var batchNo = 0; batchNo < 3; batchNo++)
                InsertBatch(connection, job, batchNo, Status.Queued);
        }
        using var admin = await app.SignInAsync();
        var path = $"/Jobs/{job}";

        var page = await admin.GetStringAsync(path);
        var etag = ETagOf(page, "batch-table");
        NotModified(await PollAsync(admin, path, etag), etag);

        // A batch starts: the next poll brings it (and the summary and filter counts, out of band).
        using (var connection = app.Database.Open())
            connection.Execute("UPDATE batches SET status = @InProgress, started_at = @now WHERE job_id = @job AND batch_no = 0",
                new { Status.InProgress, now = DateTime.UtcNow, job });
        var answer = await PollAsync(admin, path, etag);
        var started = Rendered(answer, "batch-table");
        Assert.NotEqual(etag, started);
        Assert.Equal((0, Status.InProgress), Html.BatchRows(answer.Body)[0]);
        Assert.Contains("hx-swap-oob", answer.Body);
        NotModified(await PollAsync(admin, path, started), started);
        // Its answer holds nothing of one user (Stop Job posts through htmx with the header): another admin
        // gets the very same bytes, rendered once; the whole page keeps the form's token for use without JavaScript.
        Assert.Contains("data-testid=\"stop-job\"", answer.Body);
        Assert.DoesNotContain("__RequestVerificationToken", answer.Body);
        Assert.Contains("__RequestVerificationToken", await admin.GetStringAsync(path));
        using (var another = await app.SignInAsync(app.CreateUser(Roles.Admin)))
        {
            var same = await PollAsync(another, path, null);
            Assert.Equal(started, same.ETag);
            Assert.Equal(answer.Body, same.Body);
        }

        // Another filter is another version.
        answer = await PollAsync(admin, path + "?status=queued", started);
        var queuedOnly = Rendered(answer, "batch-table");
        Assert.Equal([(1, Status.Queued), (2, Status.Queued)], Html.BatchRows(answer.Body));
        NotModified(await PollAsync(admin, path + "?status=queued", queuedOnly), queuedOnly);

        // The job ends: the last answer shows it, and polls no more.
        using (var connection = app.Database.Open())
        {
            connection.Execute("UPDATE batches SET status = @Completed, finished_at = @now, succeeded_rows = 20 WHERE job_id = @job",
                new { Status.Completed, now = DateTime.UtcNow, job });
            connection.Execute("""
                UPDATE jobs SET status = @Completed, started_at = @now, finished_at = @now, succeeded_rows = 60, lease_owner = NULL, lease_until = NULL
                 WHERE id = @job
                """, new { Status.Completed, now = DateTime.UtcNow, job });
        }
        answer = await PollAsync(admin, path, started);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(Status.Completed, Html.Text(answer.Body, "job-status"));
        var table = Html.Tags(answer.Body, "batch-table").Single();
        Assert.Equal("false", Html.Attribute(table, "data-polling"));
        Assert.Null(Html.Attribute(table, "hx-trigger"));
        Assert.All(Html.BatchRows(answer.Body), row => Assert.Equal(Status.Completed, row.Status));
    }

    [Fact]
    public async Task Within_SharedFor_the_same_poll_gets_the_answer_given_before_without_reading_and_then_the_new_one()
    {
        // 3 s here (1 s by default): long enough to poll twice within it on a loaded machine.
        await using var shared = new JobTrackerApp { Settings = new Dictionary<string, string> { ["JobTracker:Polling:SharedFor"] = "00:00:03" }, RunWorkers = false };
        var c = shared.CreateCollection();
        var job = shared.InsertBlockingJob(c);
        using (var connection = shared.Database.Open())
        {
            connection.Execute("UPDATE jobs SET started_at = NULL, total_rows = 40, batch_count = 2 WHERE id = @job", new { job });
            for (var batchNo = 0; batchNo < 2; batchNo++)
                InsertBatch(connection, job, batchNo, Status.Queued);
        }
        using var admin = await shared.SignInAsync();
        using var another = await shared.SignInAsync(shared.CreateUser(Roles.Admin));
        using var viewer = await shared.SignInAsync(shared.CreateUser(Roles.Viewer));
        var details = $"/Jobs/{job}";
        var tracker = $"/Collections/{c}/Jobs";

        var first = await PollAsync(admin, details, null);
        var firstETag = Rendered(first, "batch-table");
        var table = await PollAsync(admin, tracker, null, seen: "stale");
        var tableETag = Rendered(table, "job-table");
        Assert.Equal(JobsModel.ChangedEvent, table.Trigger);
        var answered = DateTime.UtcNow;

        // A batch starts. Within the window the same polls, by anyone with the same zone and role, get the answers given
        // before (no read: the change is not in them), 304 with their version; another role is asked afresh.
        using (var connection = shared.Database.Open())
        {
            connection.Execute("UPDATE batches SET status = @InProgress, started_at = @now WHERE job_id = @job AND batch_no = 0",
                new { Status.InProgress, now = DateTime.UtcNow, job });
            connection.Execute("UPDATE jobs SET succeeded_rows = 7 WHERE id = @job", new { job });
        }
        var again = await PollAsync(another, details, null);
        var againTable = await PollAsync(another, tracker, null, seen: "stale");
        NotModified(await PollAsync(admin, details, firstETag), firstETag);
        var viewerAnswer = await PollAsync(viewer, details, null);
        Assert.True(DateTime.UtcNow - answered < TimeSpan.FromSeconds(3), "the polls took longer than the window");
        Assert.Equal((firstETag, first.Body), (again.ETag, again.Body));
        Assert.Equal((tableETag, table.Body, JobsModel.ChangedEvent), (againTable.ETag, againTable.Body, againTable.Trigger));
        Assert.Equal((0, Status.InProgress), Html.BatchRows(viewerAnswer.Body)[0]);

        // After the window: the new answer.
        await Task.Delay(answered + TimeSpan.FromSeconds(3.2) - DateTime.UtcNow);
        var later = await PollAsync(admin, details, firstETag);
        Assert.NotEqual(firstETag, Rendered(later, "batch-table"));
        Assert.Equal((0, Status.InProgress), Html.BatchRows(later.Body)[0]);
        var laterTable = await PollAsync(admin, tracker, tableETag);
        Assert.NotEqual(tableETag, Rendered(laterTable, "job-table"));
        Assert.NotEqual(Html.Text(table.Body, "job-rows"), Html.Text(laterTable.Body, "job-rows"));
    }

    [Fact]
    public async Task Polls_are_compressed_when_the_client_accepts_it_and_other_pages_are_not()
    {
        var c = app.CreateCollection();
        for (var i = 0; i < 10; i++) app.InsertJob(c, Status.Completed, $"file-{i}.csv");
        var job = app.InsertBlockingJob(c);
        using var admin = await app.SignInAsync();

        foreach (var path in new[] { $"/Collections/{c}/Jobs", $"/Jobs/{job}" })
        {
            foreach (var encoding in new[] { "br", "gzip" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("HX-Request", "true");
                request.Headers.Add("Accept-Encoding", encoding);
                using var response = await admin.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
                Assert.Contains("Accept-Encoding", response.Headers.Vary);
                var compressed = await response.Content.ReadAsByteArrayAsync();
                var html = Decompress(compressed, encoding);
                Assert.DoesNotContain("<html", html);
                Assert.Contains("data-etag=", html);
                Assert.True(compressed.Length * 2 < Encoding.UTF8.GetByteCount(html), $"{path}: {compressed.Length} bytes for {html.Length} characters");
            }

            // Without Accept-Encoding: plain. The whole page (which carries the antiforgery token in its layout): never compressed.
            using (var plain = await JobTrackerApp.GetHtmxAsync(admin, path))
                Assert.Empty(plain.Content.Headers.ContentEncoding);
            using var pageRequest = new HttpRequestMessage(HttpMethod.Get, path);
            pageRequest.Headers.Add("Accept-Encoding", "br, gzip");
            using var pageResponse = await admin.SendAsync(pageRequest);
            Assert.Empty(pageResponse.Content.Headers.ContentEncoding);
            Assert.Contains("<html", await pageResponse.Content.ReadAsStringAsync());
        }

        // Turned off: plain.
        await using var uncompressed = new JobTrackerApp { Settings = new Dictionary<string, string> { ["JobTracker:Polling:Compression"] = "false" }, RunWorkers = false };
        var other = uncompressed.CreateCollection();
        using var client = await uncompressed.SignInAsync();
        using var off = new HttpRequestMessage(HttpMethod.Get, $"/Collections/{other}/Jobs");
        off.Headers.Add("HX-Request", "true");
        off.Headers.Add("Accept-Encoding", "br, gzip");
        using var offResponse = await client.SendAsync(off);
        Assert.Equal(HttpStatusCode.OK, offResponse.StatusCode);
        Assert.Empty(offResponse.Content.Headers.ContentEncoding);
    }

    private static string Decompress(byte[] bytes, string encoding)
    {
        using var input = new MemoryStream(bytes);
        using Stream stream = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void InsertBatch(System.Data.IDbConnection connection, long jobId, int batchNo, string status) =>
        connection.Execute(
            """
            INSERT INTO batches (job_id, batch_no, status, first_row, row_count, byte_offset, byte_length, first_line, succeeded_rows, failed_rows)
            VALUES (@jobId, @batchNo, @status, @firstRow, 20, @byteOffset, 400, @firstRow, 0, 0)
            """,
            new { jobId, batchNo, status, firstRow = batchNo * 20 + 1, byteOffset = batchNo * 400L });
}
