using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// The forms as a browser without JavaScript posts them: no HX-Request, no token header, only the
/// form's own hidden __RequestVerificationToken field, read from the page's HTML.
/// </summary>
public sealed partial class PlainFormTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private const string TokenField = "__RequestVerificationToken";

    [Fact]
    public async Task The_import_form_posted_without_javascript_creates_the_job_and_is_sent_on_to_the_job_tracker()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var page = await admin.GetStringAsync($"/Collections/{collectionId}/Import");
        var form = ImportForm().Match(page).Value;
        Assert.NotEmpty(form);
        // The token field comes before the file, so the page reads it before the file streams.
        Assert.True(form.IndexOf($"name=\"{TokenField}\"", StringComparison.Ordinal) is > 0 and var at
                    && at < form.IndexOf("type=\"file\"", StringComparison.Ordinal), "the token field is not before the file input");
        Assert.Single(Regex.Matches(form, TokenField));
        var token = Html.HiddenAntiforgeryField(form);

        using var body = new MultipartFormDataContent { { new StringContent(token), TokenField }, { CsvPart("customerId,name\nP1,Plain\nP2,Form\n"), "file", "plain.csv" } };
        using var response = await admin.PostAsync($"/Collections/{collectionId}/Import", body);

        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal($"/Collections/{collectionId}/Jobs", response.Headers.Location!.OriginalString);
        Assert.False(response.Headers.Contains("HX-Redirect"));
        var jobId = app.LastJobId(collectionId)!.Value;
        var job = await app.WaitForStatusAsync(jobId, Status.Completed);
        Assert.Equal(("plain.csv", JobTrackerApp.AdminUser, 2L), (job.FileName, job.InitiatedBy, job.SucceededRows));
        var tracker = await admin.GetStringAsync(response.Headers.Location.OriginalString);
        Assert.Contains((jobId, Status.Completed), Html.JobRows(tracker));
    }

    public static TheoryData<string> Refusals => ["no token", "wrong token", "token after the file"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_plain_import_post_without_its_token_first_is_refused_with_400_and_keeps_nothing(string refusal)
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var token = Html.HiddenAntiforgeryField(await admin.GetStringAsync($"/Collections/{collectionId}/Import"));
        var filesBefore = app.Count("stored_files");
        var filesOnDiskBefore = app.StoredFilesOnDisk().Length;

        using var body = new MultipartFormDataContent();
        if (refusal == "wrong token") body.Add(new StringContent("not-a-real-token"), TokenField);
        body.Add(CsvPart("customerId,name\nR1,Refused\n"), "file", "refused.csv");
        if (refusal == "token after the file") body.Add(new StringContent(token), TokenField);
        using var response = await admin.PostAsync($"/Collections/{collectionId}/Import", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(app.LastJobId(collectionId));
        Assert.Equal(filesBefore, app.Count("stored_files"));
        Assert.Equal(filesOnDiskBefore, app.StoredFilesOnDisk().Length);
    }

    /// <summary>
    /// The plain post still streams: the body is sent in two halves, and the second is sent only once
    /// the first is in the storage folder. A page that read the whole form before storing (as the
    /// antiforgery service reading the form field would) never gets there, and the test times out.
    /// </summary>
    [Fact]
    public async Task A_plain_import_post_is_stored_while_it_is_still_being_sent()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var token = Html.HiddenAntiforgeryField(await admin.GetStringAsync($"/Collections/{collectionId}/Import"));
        var filesBefore = app.StoredFilesOnDisk().ToHashSet();

        const string boundary = "----plain-form-streams";
        var rows = new StringBuilder("customerId,name\n");
        // About 520 KB in 400 rows (20 batches): the first half is well past any buffer on the way to the disk.
        var filler = new string('x', 1_280);
        for (var i = 0; i < 400; i++) rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i:D6},Streamed row {i} {filler}\n");
        var csv = Encoding.UTF8.GetBytes(rows.ToString());
        var half = Array.LastIndexOf(csv, (byte)'\n', csv.Length / 2) + 1;
        var head = Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"{TokenField}\"\r\n\r\n{token}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"streamed.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .Concat(csv[..half]).ToArray();
        var tail = csv[half..].Concat(Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n")).ToArray();
        var storedWhileSending = false;
        using var body = new TwoHalves(head, tail, async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(30); // within the client's 60 s timeout, so the failure says why
            while (!app.StoredFilesOnDisk().Any(path => !filesBefore.Contains(path) && new FileInfo(path).Length > 0))
            {
                if (DateTime.UtcNow > deadline) return;
                await Task.Delay(50);
            }
            storedWhileSending = true;
        });
        body.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");

        using var response = await admin.PostAsync($"/Collections/{collectionId}/Import", body);

        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.True(storedWhileSending, "nothing was stored before the whole body was sent: the form was read whole first");
        var job = await app.WaitForStatusAsync(app.LastJobId(collectionId)!.Value, Status.Completed);
        Assert.Equal(400, job.SucceededRows);
    }

    [Fact]
    public async Task Stop_Job_and_Refresh_work_without_javascript()
    {
        var jobId = app.InsertBlockingJob(app.CreateCollection());
        using var admin = await app.SignInAsync();
        var page = await admin.GetStringAsync($"/Jobs/{jobId}?status=in-progress");

        var refresh = Html.Tags(page, "refresh").Single();
        Assert.StartsWith("<a ", refresh);
        Assert.Equal($"/Jobs/{jobId}?status=in-progress", Html.Attribute(refresh, "href"));
        var form = StopForm().Match(page);
        Assert.True(form.Success, "Stop Job is not in a form of its own");
        var action = WebUtility.HtmlDecode(form.Groups[1].Value);
        Assert.Equal($"/Jobs/{jobId}/Stop?status=in-progress", action);
        Assert.Contains("data-testid=\"stop-job\"", form.Value);
        Assert.Contains("type=\"submit\"", form.Value);

        using var withoutToken = await admin.PostAsync(action, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(Status.InProgress, app.Job(jobId).Status);

        using var stop = await admin.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [TokenField] = Html.HiddenAntiforgeryField(form.Value),
        }));
        Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        Assert.Equal($"/Jobs/{jobId}?status=in-progress", stop.Headers.Location!.OriginalString);
        Assert.Equal(Status.Canceled, app.Job(jobId).Status);
    }

    private static ByteArrayContent CsvPart(string csv)
    {
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return part;
    }

    /// <summary>A body of known length sent in two writes, with a wait between them.</summary>
    private sealed class TwoHalves(byte[] head, byte[] tail, Func<Task> between) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            await between();
            await stream.WriteAsync(tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = head.Length + tail.Length;
            return true;
        }
    }

    [GeneratedRegex("<form id=\"import-form\".*?</form>", RegexOptions.Singleline)]
    private static partial Regex ImportForm();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*/Stop[^\"]*)\"[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex StopForm();
}
