using System.Net;
using System.Text;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Web;

/// <summary>The app with batches of 3 rows, so that small files make several batches.</summary>
public sealed class ColumnMappingFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new() { BatchSize = 3 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// Column mapping at upload, over real HTTP with the real workers: the default matching of renamed headers, the
/// mapping page ("Review column mapping": first rows, a field per column, warnings), Confirm and Cancel, and the
/// mapping kept with the job (Job Details, retry, dry run and Import for real).
/// </summary>
public sealed class ColumnMappingTests(ColumnMappingFixture fixture) : IClassFixture<ColumnMappingFixture>
{
    private JobTrackerApp App => fixture.App;

    /// <summary>Uploads with "Review column mapping" as htmx does; returns the mapping page's address. No job is created.</summary>
    private async Task<string> UploadForReviewAsync(HttpClient client, long collectionId, string fileName, string content, bool dryRun = false)
    {
        var before = App.LastJobId(collectionId);
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collectionId}/Import");
        var body = new MultipartFormDataContent();
        if (dryRun) body.Add(new StringContent("true"), "validate_only");
        body.Add(new StringContent("true"), "review_mapping");
        body.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(content)), "file", fileName);
        using var response = await JobTrackerApp.PostImportAsync(client, collectionId, body, token);
        Assert.True(response.Headers.Contains("HX-Redirect"), await response.Content.ReadAsStringAsync());
        var location = response.Headers.GetValues("HX-Redirect").Single();
        Assert.StartsWith($"/Collections/{collectionId}/Import/Mapping/", location, StringComparison.Ordinal);
        Assert.Equal(before, App.LastJobId(collectionId));
        return location;
    }

    /// <summary>Posts the mapping page's Confirm (a plain form post) with the given choices (column index → select value).</summary>
    private static async Task<HttpResponseMessage> PostMappingAsync(
        HttpClient client, string mappingUrl, string handler, IReadOnlyDictionary<int, string>? choices = null)
    {
        var token = await JobTrackerApp.RequestTokenAsync(client); // the session's token: the mapping page may be gone
        var fields = (choices ?? new Dictionary<int, string>()).Select(c => new KeyValuePair<string, string>($"column{c.Key}", c.Value));
        var separator = mappingUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mappingUrl}{separator}handler={handler}") { Content = new FormUrlEncodedContent(fields) };
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

    private static JsonElement Record(Dictionary<string, (string Data, long Version)> records, string key) =>
        JsonDocument.Parse(records[key].Data).RootElement;

    private static List<string> PropertyNames(JsonElement record) => [.. record.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public async Task Renamed_headers_import_with_the_default_matching_and_Job_Details_shows_it()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "renamed.csv",
            "Customer ID,NAME,E-mail,amount\nC1,One,one@example.com,1.50\nC2,Two,two@example.com,2\n");
        var job = await App.WaitForStatusAsync(jobId, Status.Completed);
        Assert.Equal(2, job.SucceededRows);

        var records = App.Records(collectionId);
        Assert.Equal(["C1", "C2"], records.Keys.Order());
        var one = Record(records, "C1");
        Assert.Equal(["customerId", "name", "email", "amount"], PropertyNames(one));
        Assert.Equal("one@example.com", one.GetProperty("email").GetString());
        Assert.Equal(1.50m, one.GetProperty("amount").GetDecimal());

        Assert.Equal(
            [new MappedColumn("Customer ID", "customerId"), new MappedColumn("NAME", "name"), new MappedColumn("E-mail", "email"), new MappedColumn("amount", "amount")],
            ColumnMapping.FromJson(App.Job(jobId).ColumnMapping));
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(["Customer ID → customerId", "NAME → name", "E-mail → email"], Html.Texts(details, "job-column-mapped"));
        Assert.Equal("Other columns (1): the field of the same name.", Html.Text(details, "job-columns-as-named"));
    }

    [Fact]
    public async Task An_extra_column_is_kept_as_it_comes_by_default_and_ignored_when_the_mapping_says_so()
    {
        const string File = "customer_id,name,Notes\nX1,One,call back\nX2,Two,vip\n";
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();

        // Without the mapping step: a column that matches no field is kept outside the schema, as before.
        var kept = await App.UploadAsync(admin, collectionId, "extra.csv", File);
        await App.WaitForStatusAsync(kept, Status.Completed);
        Assert.Equal("call back", Record(App.Records(collectionId), "X1").GetProperty("Notes").GetString());

        // With it: the page offers "keep as Notes" (preselected) and "ignore"; ignored, it is left out and shown as ignored.
        var other = App.CreateCollection();
        var mappingUrl = await UploadForReviewAsync(admin, other, "extra.csv", File);
        var page = await admin.GetStringAsync(mappingUrl);
        var notes = Html.Tags(page, "mapping-select")[2];
        Assert.Equal("Notes", Html.Attribute(notes, "data-column"));
        Assert.Contains("<option value=\"keep\" selected=\"selected\">keep as Notes (not in the schema)</option>", page, StringComparison.Ordinal);
        Assert.Empty(Html.Tags(page, "mapping-warning"));

        using var confirmed = await PostMappingAsync(admin, mappingUrl, "Confirm", new Dictionary<int, string> { [2] = "ignore" });
        var jobId = RedirectedJob(confirmed);
        await App.WaitForStatusAsync(jobId, Status.Completed);
        var record = Record(App.Records(other), "X1");
        Assert.Equal(["customerId", "name"], PropertyNames(record));
        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(["customer_id → customerId", "Notes → ignored"], Html.Texts(details, "job-column-mapped"));
    }

    [Fact]
    public async Task A_missing_required_field_is_warned_of_and_confirmed_anyway_its_rows_fail_as_required()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var mappingUrl = await UploadForReviewAsync(admin, collectionId, "noname.csv", "customerId,email\nM1,a@example.com\nM2,b@example.com\n");
        var page = await admin.GetStringAsync(mappingUrl);
        var warnings = Html.Tags(page, "mapping-warning");
        Assert.Equal(["name"], warnings.Select(w => Html.Attribute(w, "data-field")));
        Assert.Contains("No column fills the required field name", Html.Text(page, "mapping-warning"), StringComparison.Ordinal);

        using var confirmed = await PostMappingAsync(admin, mappingUrl, "Confirm");
        var jobId = RedirectedJob(confirmed);
        var job = await App.WaitForStatusAsync(jobId, Status.Failed);
        Assert.Equal(2, job.FailedRows);
        var audit = (await App.AuditRowsAsync(jobId)).Skip(1).ToList();
        Assert.Equal(["name is required.", "name is required."], audit.Select(r => r[5]));
        Assert.Equal(["name", "name"], audit.Select(r => r[4]));
        Assert.Empty(App.Records(collectionId));
    }

    [Fact]
    public async Task A_mapping_chosen_by_hand_is_applied_shown_and_reused_by_the_retry()
    {
        const string File = "ref,full name,mail,Notes,amount\nH1,One,one@example.com,x,1\nH2,Two,two@example.com,y,two\nH3,Three,three@example.com,z,3\n";
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var mappingUrl = await UploadForReviewAsync(admin, collectionId, "byhand.csv", File);

        // "ref" matches no field: the key field has no column, and Confirm as it is is refused with that reason.
        var page = await admin.GetStringAsync(mappingUrl);
        Assert.Equal("The file has no column 'customerId', the key field of this collection.", Html.Text(page, "mapping-error"));
        using (var refused = await PostMappingAsync(admin, mappingUrl, "Confirm"))
        {
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Equal("The file has no column 'customerId', the key field of this collection.", Html.Text(await refused.Content.ReadAsStringAsync(), "mapping-error"));
        }
        Assert.Null(App.LastJobId(collectionId));

        var choices = new Dictionary<int, string> { [0] = "field:customerId", [1] = "field:name", [2] = "field:email", [3] = "ignore" };
        using var confirmed = await PostMappingAsync(admin, mappingUrl, "Confirm", choices);
        var jobId = RedirectedJob(confirmed);
        var job = await App.WaitForStatusAsync(jobId, Status.RanWithErrors);
        Assert.Equal(1, job.FailedRows);
        var records = App.Records(collectionId);
        Assert.Equal(["H1", "H3"], records.Keys.Order());
        var one = Record(records, "H1");
        Assert.Equal(["customerId", "name", "email", "amount"], PropertyNames(one));
        Assert.Equal("One", one.GetProperty("name").GetString());
        Assert.Equal("one@example.com", one.GetProperty("email").GetString());

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.Equal(["ref → customerId", "full name → name", "mail → email", "Notes → ignored"], Html.Texts(details, "job-column-mapped"));

        // The retry's failed-rows file has the original header ("ref", ...): only the job's mapping makes it importable.
        var retryToken = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{jobId}");
        var body = new MultipartFormDataContent();
        var corrected = (await admin.GetStringAsync($"/Jobs/{jobId}/FailedRows")).Replace(",two,", ",2,", StringComparison.Ordinal);
        body.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(corrected)), "file", "corrected.csv");
        using var retryRequest = new HttpRequestMessage(HttpMethod.Post, $"/Jobs/{jobId}/Retry") { Content = body };
        retryRequest.Headers.Add(PagesSetup.AntiforgeryHeader, retryToken);
        using var retryResponse = await admin.SendAsync(retryRequest);
        var retryId = RedirectedJob(retryResponse);
        await App.WaitForStatusAsync(retryId, Status.Completed);
        Assert.Equal(["H1", "H2", "H3"], App.Records(collectionId).Keys.Order());
        Assert.Equal("Two", Record(App.Records(collectionId), "H2").GetProperty("name").GetString());
        Assert.Equal(
            ["ref → customerId", "full name → name", "mail → email", "Notes → ignored"],
            Html.Texts(await admin.GetStringAsync($"/Jobs/{retryId}"), "job-column-mapped"));
    }

    [Fact]
    public async Task A_dry_run_honours_the_mapping_and_Import_for_real_reuses_it()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var mappingUrl = await UploadForReviewAsync(admin, collectionId, "dry.csv", "id,who\nD1,One\nD2,Two\n", dryRun: true);
        Assert.Contains("dryRun=true", mappingUrl, StringComparison.Ordinal);
        using var confirmed = await PostMappingAsync(admin, mappingUrl, "Confirm", new Dictionary<int, string> { [0] = "field:customerId", [1] = "field:name" });
        var dryRunId = RedirectedJob(confirmed);
        var dryRun = await App.WaitForStatusAsync(dryRunId, Status.Completed);
        Assert.True(dryRun.DryRun);
        Assert.Equal(2, dryRun.TotalRows);
        Assert.Empty(App.Records(collectionId));

        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Jobs/{dryRunId}");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Jobs/{dryRunId}/ImportForReal") { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        using var response = await admin.SendAsync(request);
        var realId = RedirectedJob(response);
        await App.WaitForStatusAsync(realId, Status.Completed);
        Assert.Equal(App.Job(dryRunId).ColumnMapping, App.Job(realId).ColumnMapping);
        Assert.Equal("Two", Record(App.Records(collectionId), "D2").GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_mapping_page_shows_exactly_the_first_five_rows()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var rows = string.Concat(Enumerable.Range(1, 8).Select(i => $"F{i},\"Name {i}\nsecond line\"\n"));
        var mappingUrl = await UploadForReviewAsync(admin, collectionId, "eight.csv", "\uFEFFcustomerId,name\n\n" + rows);
        var page = await admin.GetStringAsync(mappingUrl);
        Assert.Equal("eight.csv", Html.Text(page, "mapping-file-name"));
        Assert.Equal(["customerId", "name"], Html.Texts(page, "mapping-column"));
        var shown = Html.Texts(page, "mapping-row");
        Assert.Equal(5, shown.Count);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"F{i} Name {i} second line"), shown);
        Assert.Empty(Html.Tags(page, "mapping-error"));
    }

    [Fact]
    public async Task Cancel_deletes_the_stored_file_and_a_file_nobody_confirms_is_swept()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var files = App.Count("stored_files");
        var onDisk = App.StoredFilesOnDisk().Length;
        var mappingUrl = await UploadForReviewAsync(admin, collectionId, "cancel.csv", "customerId,name\nK1,One\n");
        Assert.Equal(files + 1, App.Count("stored_files"));
        Assert.Equal(onDisk + 1, App.StoredFilesOnDisk().Length);

        using (var cancelled = await PostMappingAsync(admin, mappingUrl, "Cancel"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, cancelled.StatusCode);
            Assert.Equal($"/Collections/{collectionId}/Import", cancelled.Headers.Location!.OriginalString);
        }
        Assert.Equal(files, App.Count("stored_files"));
        Assert.Equal(onDisk, App.StoredFilesOnDisk().Length);
        using (var gone = await admin.GetAsync(mappingUrl))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Contains("no longer waiting for its column mapping", Html.Text(await gone.Content.ReadAsStringAsync(), "mapping-error"), StringComparison.Ordinal);
        }
        using (var late = await PostMappingAsync(admin, mappingUrl, "Confirm"))
            Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Null(App.LastJobId(collectionId));

        // Nobody confirms or cancels: the sweep removes the file once it is JobTracker:OrphanFileAge old, not before.
        await UploadForReviewAsync(admin, collectionId, "forgotten.csv", "customerId,name\nK2,Two\n");
        var sweep = App.Services.GetRequiredService<StorageSweep>();
        await sweep.RunAsync(DateTime.UtcNow);
        Assert.Equal(files + 1, App.Count("stored_files"));
        await sweep.RunAsync(DateTime.UtcNow + TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(files, App.Count("stored_files"));
        Assert.Equal(onDisk, App.StoredFilesOnDisk().Length);
    }

    [Fact]
    public async Task Two_columns_matching_one_field_fail_the_import_with_a_clear_reason_and_an_exact_name_wins()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var jobId = await App.UploadAsync(admin, collectionId, "twice.csv", "customerId,Name,NAME\nT1,One,Uno\n");
        var job = await App.WaitForStatusAsync(jobId, Status.Failed);
        Assert.Equal(
            "The columns 'Name' and 'NAME' match the same field, name (ignoring case, spaces and punctuation): rename or remove all but one of them, or import with \"Review column mapping\" and choose a field for each.",
            job.StatusReason);

        // With the exact name present, it fills the field and the look-alike is kept under its own name.
        var exact = await App.UploadAsync(admin, collectionId, "exact.csv", "customerId,name,Name\nT2,Two,Deux\n");
        await App.WaitForStatusAsync(exact, Status.Completed);
        var record = Record(App.Records(collectionId), "T2");
        Assert.Equal("Two", record.GetProperty("name").GetString());
        Assert.Equal("Deux", record.GetProperty("Name").GetString());
    }

    [Fact]
    public async Task Review_column_mapping_is_refused_for_a_json_file_in_plain_words()
    {
        var collectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        var files = App.Count("stored_files");
        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import");
        var body = new MultipartFormDataContent { { new StringContent("true"), "review_mapping" } };
        body.Add(new ByteArrayContent("[{\"customerId\":\"J1\",\"name\":\"One\"}]"u8.ToArray()), "file", "rows.json");
        using var response = await JobTrackerApp.PostImportAsync(admin, collectionId, body, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Review column mapping is for CSV files.", Html.Text(await response.Content.ReadAsStringAsync(), "import-error"), StringComparison.Ordinal);
        Assert.Equal(files, App.Count("stored_files"));
        Assert.Null(App.LastJobId(collectionId));
    }
}
