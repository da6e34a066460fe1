using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;

namespace JobTracker.Tests.Web;

/// <summary>The app, plus a collection with records from a finished import that bad files must not touch.</summary>
public sealed class ImportFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new();

    public long UntouchedCollectionId { get; private set; }

    public long UntouchedJobId { get; private set; }

    public async Task InitializeAsync()
    {
        UntouchedCollectionId = App.CreateCollection("Untouched");
        using var admin = await App.SignInAsync();
        UntouchedJobId = await App.UploadAsync(admin, UntouchedCollectionId, "good.csv", "customerId,name,amount\nG1,Good One,1.5\nG2,Good Two,2.5\n");
        await App.WaitForStatusAsync(UntouchedJobId, Status.Completed);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Uploads over real HTTP, processed by the real Quartz workers, read back through the pages and downloads.</summary>
public sealed class ImportTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private JobTrackerApp App => fixture.App;

    private static byte[] Sample => File.ReadAllBytes(JobTrackerApp.SampleFilePath);

    private static List<string> SampleKeys =>
        Csv.Parse(Encoding.UTF8.GetString(Sample)).Skip(1).Select(r => r[0]).ToList();

    [Fact]
    public async Task The_sample_file_waits_its_turn_then_is_imported_and_the_numbers_agree_everywhere()
    {
        var collectionId = App.CustomersCollectionId;
        // A job of another process holds the collection, so the upload is seen QUEUED for certain.
        var jobAhead = App.InsertBlockingJob(collectionId);
        using var admin = await App.SignInAsync();

        var jobId = await App.UploadAsync(admin, collectionId, "customers.csv", Sample);

        var queued = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([(jobId, Status.Queued), (jobAhead, Status.InProgress)], Html.JobRows(queued));
        Assert.Equal("customers.csv", Html.Texts(queued, "job-file-name")[0]);
        Assert.Equal("0 / —", Html.Texts(queued, "job-rows")[0]);
        var waiting = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(Status.Queued, Html.Text(waiting, "job-status"));
        Assert.Contains($"Waiting for job {jobAhead} on Customers to finish", Html.Text(waiting, "job-waiting"));
        Assert.Equal(JobTrackerApp.AdminUser, Html.Text(waiting, "job-initiated-by"));

        using (var stop = await JobTrackerApp.PostStopAsync(admin, jobAhead, Html.MetaRequestToken(waiting)))
            Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        var job = await App.WaitForStatusAsync(jobId, Status.Completed);

        // The job's counters and its batches.
        Assert.Equal(50, job.TotalRows);
        Assert.Equal(50, job.SucceededRows);
        Assert.Equal(0, job.FailedRows);
        var batches = App.Batches(jobId);
        Assert.Equal([20, 20, 10], batches.Select(b => b.RowCount));
        Assert.All(batches, b => Assert.Equal(Status.Completed, b.Status));
        Assert.Equal(job.SucceededRows, batches.Sum(b => b.SucceededRows));

        // Rows Processed in the Job Tracker and on the Details page.
        var tracker = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([(jobId, Status.Completed), (jobAhead, Status.Canceled)], Html.JobRows(tracker));
        Assert.Equal("50 / 50", Html.Texts(tracker, "job-rows")[0]);
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal("50 / 50", Html.Text(details, "rows-processed"));
        Assert.Equal("3 / 3 batches done", Html.Text(details, "batches-done"));
        Assert.Equal(["20 / 20", "20 / 20", "10 / 10"], Html.Texts(details, "batch-processed"));

        // The audit log, downloaded: one line per row, all created.
        using var download = await admin.GetAsync($"/Jobs/{jobId}/AuditLog");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var audit = Csv.Parse((await download.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        Assert.Equal(["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"], audit[0]);
        var lines = audit.Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i.ToString()), lines.Select(l => l[0]));
        Assert.Equal(SampleKeys, lines.Select(l => l[2]));
        Assert.Equal(job.SucceededRows, lines.Count(l => l[3] is AuditLog.Created or AuditLog.Updated));
        Assert.All(lines, l => Assert.Equal(AuditLog.Created, l[3]));

        // The records themselves.
        var records = App.Records(collectionId);
        Assert.Equal(job.SucceededRows, records.Count);
        Assert.Equal(SampleKeys.Order(), records.Keys.Order());
        Assert.Equal("50", Html.Text(await admin.GetStringAsync($"/Collections/{collectionId}"), "record-count"));
    }

    [Fact]
    public async Task Importing_the_same_file_again_updates_every_record_instead_of_adding_any()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var first = await App.UploadAsync(admin, collectionId, "customers.csv", Sample);
        await App.WaitForStatusAsync(first, Status.Completed);
        var second = await App.UploadAsync(admin, collectionId, "customers.csv", Sample);
        var job = await App.WaitForStatusAsync(second, Status.Completed);

        var audit = Csv.Parse((await admin.GetStringAsync($"/Jobs/{second}/AuditLog")).TrimStart('\uFEFF')).Skip(1).ToList();
        Assert.Equal(50, audit.Count);
        Assert.All(audit, l => Assert.Equal(AuditLog.Updated, l[3]));
        Assert.Equal(job.SucceededRows, audit.Count(l => l[3] is AuditLog.Created or AuditLog.Updated));
        var records = App.Records(collectionId);
        Assert.Equal(50, records.Count);
        Assert.All(records.Values, r => Assert.Equal(2, r.Version));
        var tracker = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([(second, Status.Completed), (first, Status.Completed)], Html.JobRows(tracker));
        Assert.Equal(["50 / 50", "50 / 50"], Html.Texts(tracker, "job-rows"));
    }

    [Fact]
    public async Task A_file_with_invalid_rows_runs_with_errors_and_the_audit_log_says_which_rows_and_why()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "some-bad.csv",
            "customerId,name,amount\r\nA1,Alice,10.5\r\nA2,Bob,lots\r\nA3,Carol,3\r\nA4,,4\r\nA5,Eve,5\r\n");

        var job = await App.WaitForStatusAsync(jobId, Status.RanWithErrors);

        Assert.Equal((5L, 3L, 2L), (job.TotalRows!.Value, job.SucceededRows, job.FailedRows));
        Assert.Equal("2 of 5 rows failed. Download the Audit Log to see which and why.", job.StatusReason);
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(Status.RanWithErrors, Html.Text(details, "job-status"));
        Assert.Equal(job.StatusReason, Html.Text(details, "job-status-reason"));
        Assert.Equal("3 / 5", Html.Text(details, "rows-processed"));
        Assert.Equal("(2 failed)", Html.Text(details, "failed-rows"));
        Assert.Equal([(0, Status.RanWithErrors)], Html.BatchRows(details));
        var tracker = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([(jobId, Status.RanWithErrors)], Html.JobRows(tracker));
        Assert.Equal("3 / 5", Html.Texts(tracker, "job-rows").Single());

        var audit = Csv.Parse((await admin.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF')).Skip(1).ToList();
        Assert.Equal(
        [
            ["1", "0", "A1", "created", "", ""],
            ["2", "0", "A2", "failed", "amount", "amount must be a decimal number; got 'lots'."],
            ["3", "0", "A3", "created", "", ""],
            ["4", "0", "A4", "failed", "name", "name is required."],
            ["5", "0", "A5", "created", "", ""],
        ], audit.Select(l => l[..6]));
        Assert.Equal(job.SucceededRows, audit.Count(l => l[3] is AuditLog.Created or AuditLog.Updated));
        Assert.Equal(["A1", "A3", "A5"], App.Records(collectionId).Keys.Order());
    }

    public static TheoryData<string, string, byte[], string> BadFiles => new()
    {
        { "binary", "photo.csv", [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0], "The file looks like a binary file, not CSV text (zero byte at byte offset 5)." },
        { "malformed JSON", "customers.json", "[{\"customerId\":\"B1\",\"name\":\"x\"},\n{\"customerId\":\"B2\",\"name\": tru}\n]"u8.ToArray(), "The JSON is malformed at line 2, byte " },
        { "unbalanced quote", "quotes.csv", "customerId,name\nB1,\"Ada\nB2,Grace\n"u8.ToArray(), "Line 2: a quoted field that starts on this line is never closed." },
        { "header only", "header.csv", "customerId,name,email\r\n"u8.ToArray(), "The file has a header row but no data rows." },
        { "no key column", "nokey.csv", "id,name\n1,x\n"u8.ToArray(), "The file has no column 'customerId', the key field of this collection." },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_file_fails_its_own_job_with_a_reason_on_the_details_page_and_touches_nothing_else(
        string _, string fileName, byte[] content, string reason)
    {
        var recordsBefore = App.Records(fixture.UntouchedCollectionId);
        var goodJobBefore = App.Job(fixture.UntouchedJobId);
        using var admin = await App.SignInAsync();

        var jobId = await App.UploadAsync(admin, fixture.UntouchedCollectionId, fileName, content);
        var job = await App.WaitForStatusAsync(jobId, Status.Failed);

        Assert.StartsWith(reason, job.StatusReason);
        Assert.Empty(App.Batches(jobId));
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(Status.Failed, Html.Text(details, "job-status"));
        Assert.Equal(job.StatusReason, Html.Text(details, "job-status-reason"));
        Assert.Contains("none: the file was not split into batches", details);
        Assert.False(Html.HasId(details, "stop-job"));
        var tracker = await admin.GetStringAsync($"/Collections/{fixture.UntouchedCollectionId}/Jobs");
        Assert.Equal((jobId, Status.Failed), Html.JobRows(tracker)[0]);
        Assert.Contains((fixture.UntouchedJobId, Status.Completed), Html.JobRows(tracker));

        Assert.Equal(recordsBefore, App.Records(fixture.UntouchedCollectionId));
        Assert.Equal(goodJobBefore, App.Job(fixture.UntouchedJobId));
        Assert.Equal(2, recordsBefore.Count);
    }

    private static readonly Dictionary<string, (Func<HttpContent> Body, string Message)> RefusedUploads = new()
    {
        ["unsupported extension .txt"] = (() => FilePart("notes.txt", "customerId,name\nT1,x\n"u8.ToArray()), "Only .csv, .json and .jsonl files can be imported."),
        ["unsupported extension .xlsx"] = (() => FilePart("book.xlsx", [(byte)'P', (byte)'K', 3, 4, 0]), "Only .csv, .json and .jsonl files can be imported."),
        ["empty file"] = (() => FilePart("empty.csv", []), "The file is empty. Choose a CSV, JSON or JSON Lines file with at least one row."),
        ["no file chosen (empty file name)"] = (NoFileChosen, "Choose a file to import."),
        ["no file part"] = (() => new MultipartFormDataContent { { new StringContent("hello"), "note" } }, "Choose a file to import."),
        ["not multipart"] = (() => new FormUrlEncodedContent(new Dictionary<string, string> { ["file"] = "customers.csv" }), "Choose a file to import."),
    };

    public static TheoryData<string> RefusedUploadCases => new(RefusedUploads.Keys);

    [Theory]
    [MemberData(nameof(RefusedUploadCases))]
    public async Task A_refused_upload_answers_the_form_with_a_clear_message_and_leaves_no_job_and_no_file(string refusal)
    {
        var (body, message) = RefusedUploads[refusal];
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var filesBefore = App.Count("stored_files");
        var filesOnDiskBefore = App.StoredFilesOnDisk().Length;

        using var response = await JobTrackerApp.PostImportAsync(admin, collectionId, body(),
            await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import"));

        await AssertRefusedAsync(response, message);
        Assert.Null(App.LastJobId(collectionId));
        Assert.Equal(filesBefore, App.Count("stored_files"));
        Assert.Equal(filesOnDiskBefore, App.StoredFilesOnDisk().Length);
    }

    [Fact]
    public async Task A_file_over_the_upload_limit_is_refused_while_streaming_and_by_its_length_and_nothing_is_kept()
    {
        await using var small = new JobTrackerApp { MaxUploadBytes = 1024 };
        const string tooLarge = "The file is larger than the upload limit of 1 KiB. Split it into smaller files and import them one after another.";
        var collectionId = small.CustomersCollectionId;
        using var admin = await small.SignInAsync();
        var form = await admin.GetStringAsync($"/Collections/{collectionId}/Import");
        Assert.Contains("file of up to 1 KiB.", System.Text.RegularExpressions.Regex.Replace(form, "\\s+", " "));
        var formTag = System.Text.RegularExpressions.Regex.Match(form, "<form id=\"import-form\"[^>]*>").Value;
        Assert.Equal("1024", Html.Attribute(formTag, "data-max-bytes"));
        Assert.Equal(tooLarge, Html.Attribute(formTag, "data-too-large"));
        var token = Html.MetaRequestToken(form);

        // Just over the limit: the request is accepted, and the store stops reading at byte 1025.
        var rows = string.Concat(Enumerable.Range(1, 100).Select(i => $"L{i:D4},Name {i}\n"));
        using (var streamed = await JobTrackerApp.PostUploadAsync(admin, collectionId, "big.csv", Encoding.UTF8.GetBytes("customerId,name\n" + rows), token))
            await AssertRefusedAsync(streamed, tooLarge);

        // Far over the limit: refused on its Content-Length before a byte of the body is read. Only the
        // request head is sent: a client writing 3 MiB that the server never reads races the answer
        // (a broken pipe instead of the form), whatever the test does.
        var (status, answer) = await PostHeadOnlyAsync(admin, collectionId, contentLength: 3 << 20, token);
        Assert.Equal(200, status);
        AssertRefusalForm(answer, tooLarge);

        Assert.Null(small.LastJobId(collectionId));
        Assert.Equal(0, small.Count("stored_files"));
        Assert.Empty(small.StoredFilesOnDisk());

        // A file within the limit still goes through.
        var jobId = await small.UploadAsync(admin, collectionId, "fits.csv", "customerId,name\nF1,Fits\n");
        await small.WaitForStatusAsync(jobId, Status.Completed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-real-token")]
    public async Task An_upload_without_a_valid_antiforgery_token_is_rejected_and_creates_nothing(string? token)
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        await admin.GetStringAsync($"/Collections/{collectionId}/Import"); // the antiforgery cookie is set, only the header is missing
        var filesBefore = App.Count("stored_files");
        var filesOnDiskBefore = App.StoredFilesOnDisk().Length;

        using var response = await JobTrackerApp.PostUploadAsync(admin, collectionId, "customers.csv", Sample, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("HX-Redirect"));
        Assert.Null(App.LastJobId(collectionId));
        Assert.Equal(filesBefore, App.Count("stored_files"));
        Assert.Equal(filesOnDiskBefore, App.StoredFilesOnDisk().Length);
    }

    [Fact]
    public async Task Stop_Job_cancels_a_queued_job_and_a_running_one_and_a_finished_job_stays_as_it_is()
    {
        var collectionId = App.CreateCollection();
        var running = App.InsertBlockingJob(collectionId);
        using var admin = await App.SignInAsync();
        var queued = await App.UploadAsync(admin, collectionId, "to-stop.csv", "customerId,name\nQ1,x\nQ2,y\n");
        Assert.Equal(Status.Queued, App.Job(queued).Status);

        var page = await admin.GetStringAsync($"/Jobs/{queued}?status=queued");
        Assert.True(Html.HasId(page, "refresh-job"));
        Assert.True(Html.HasId(page, "stop-job"));
        Assert.Equal($"/Jobs/{queued}/Stop?status=queued", Html.Attribute(Html.Tags(page, "stop-job").Single(), "hx-post"));
        var token = Html.MetaRequestToken(page);

        using (var stop = await JobTrackerApp.PostStopAsync(admin, queued, token))
        {
            Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
            Assert.Equal($"/Jobs/{queued}", stop.Headers.Location!.OriginalString);
        }
        var stopped = App.Job(queued);
        Assert.Equal(Status.Canceled, stopped.Status);
        Assert.Equal("Stopped by admin.", stopped.StatusReason);
        Assert.NotNull(stopped.FinishedAt);
        Assert.Null(stopped.StartedAt);
        var after = await admin.GetStringAsync($"/Jobs/{queued}");
        Assert.Equal(Status.Canceled, Html.Text(after, "job-status"));
        Assert.Equal("Stopped by admin.", Html.Text(after, "job-status-reason"));
        Assert.False(Html.HasId(after, "refresh-job"));
        Assert.False(Html.HasId(after, "stop-job"));

        using (var stop = await JobTrackerApp.PostStopAsync(admin, running, token))
            Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        Assert.Equal(Status.Canceled, App.Job(running).Status);
        Assert.Empty(App.Records(collectionId));

        // The collection is free again: a new import runs, and stopping it once finished changes nothing.
        var next = await App.UploadAsync(admin, collectionId, "after.csv", "customerId,name\nN1,x\n");
        var finished = await App.WaitForStatusAsync(next, Status.Completed);
        using (var late = await JobTrackerApp.PostStopAsync(admin, next, token))
            Assert.Equal(HttpStatusCode.Redirect, late.StatusCode);
        Assert.Equal(finished, App.Job(next));
        Assert.Equal(Status.Canceled, App.Job(queued).Status);
    }

    [Fact]
    public async Task Stop_Job_without_the_antiforgery_token_is_rejected()
    {
        var jobId = App.InsertBlockingJob(App.CreateCollection());
        using var admin = await App.SignInAsync();
        await admin.GetStringAsync($"/Jobs/{jobId}");

        using var response = await JobTrackerApp.PostStopAsync(admin, jobId, token: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Status.InProgress, App.Job(jobId).Status);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string message)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.False(response.Headers.Contains("HX-Redirect"));
        AssertRefusalForm(text, message);
    }

    private static void AssertRefusalForm(string text, string message)
    {
        Assert.StartsWith("<form id=\"import-form\"", text.TrimStart());
        Assert.DoesNotContain("<html", text);
        var error = Html.Tags(text, "import-error").Single();
        Assert.Null(Html.Attribute(error, "hidden"));
        Assert.DoesNotContain(" hidden", error);
        Assert.Equal(message, Html.Text(text, "import-error"));
    }

    /// <summary>
    /// Writes only the head of an htmx upload that declares <paramref name="contentLength"/> body bytes
    /// (Connection: close), then reads the whole answer until the server closes the connection.
    /// </summary>
    private static async Task<(int Status, string Body)> PostHeadOnlyAsync(HttpClient client, long collectionId, long contentLength, string token)
    {
        var server = client.BaseAddress!;
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        var head = $"POST /Collections/{collectionId}/Import HTTP/1.1\r\n" +
                   $"Host: {server.Authority}\r\n" +
                   $"Cookie: {JobTrackerApp.CookieHeader(client)}\r\n" +
                   $"{PagesSetup.AntiforgeryHeader}: {token}\r\n" +
                   "HX-Request: true\r\n" +
                   "Content-Type: multipart/form-data; boundary=----upload\r\n" +
                   $"Content-Length: {contentLength}\r\n" +
                   "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
        var raw = new MemoryStream();
        await stream.CopyToAsync(raw, timeout.Token);

        // Latin-1 maps each byte to one char, so chunk sizes (in bytes) can be counted in chars.
        var text = Encoding.Latin1.GetString(raw.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no HTTP answer: " + text);
        var headers = text[..split];
        var body = text[(split + 4)..];
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new StringBuilder();
            for (var at = 0; ;)
            {
                var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = Convert.ToInt32(body[at..lineEnd], 16);
                if (size == 0) break;
                decoded.Append(body, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }
            body = decoded.ToString();
        }
        body = Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(body));
        return (status, body);
    }

    private static MultipartFormDataContent FilePart(string fileName, byte[] content) =>
        new() { { new ByteArrayContent(content), "file", fileName } };

    /// <summary>What a browser sends when the form is posted with no file chosen: a file part with an empty name.</summary>
    private static MultipartFormDataContent NoFileChosen()
    {
        var part = new ByteArrayContent([]);
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"\"" };
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var body = new MultipartFormDataContent();
        body.Add(part);
        return body;
    }
}
