using System.Globalization;
using System.Net;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Running;
using JobTracker.Tests.Engine;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;

namespace JobTracker.Tests.Web;

/// <summary>
/// The Schedules page of a collection over real HTTP, with the app's Quartz scheduler running the
/// schedule firer for real: create, check at save (cron, time zone, export-name pattern), edit,
/// pause, resume, run now, delete; everyone sees, only admins change; and a fire a few seconds away
/// that becomes exactly one export job.
/// </summary>
public sealed class ScheduleTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    /// <summary>Three fires in 2099 around the end of summer time in Lisbon (Sunday 25 October): never due during a test.</summary>
    private const string FarCron = "0 0 2 24-28 OCT ? 2099";

    private static Dictionary<string, string> Form(string name, string cron = FarCron, string timeZone = "Europe/Lisbon",
        string pattern = "nightly-{yyyyMMdd}", string recordsPerFile = "10000", bool enabled = true)
    {
        var form = new Dictionary<string, string>
        {
            ["Input.Name"] = name,
            ["Input.Cron"] = cron,
            ["Input.TimeZone"] = timeZone,
            ["Input.NamePattern"] = pattern,
            ["Input.RecordsPerFile"] = recordsPerFile,
        };
        form["Input.Enabled"] = enabled ? "true" : "false";
        return form;
    }

    /// <summary>The form as the browser posts it: GET it for its antiforgery field, POST it back.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, long collectionId, Dictionary<string, string> form, long? scheduleId = null)
    {
        var path = $"/Collections/{collectionId}/Schedules/Edit" + (scheduleId is { } id ? $"/{id}" : "");
        var page = await client.GetStringAsync(path);
        var fields = new List<KeyValuePair<string, string>>(form) { new("__RequestVerificationToken", Html.HiddenAntiforgeryField(page)) };
        if (form["Input.Enabled"] == "true") fields.Add(new("Input.Enabled", "false")); // the checkbox's hidden companion
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    private async Task<long> CreateAsync(HttpClient admin, long collectionId, Dictionary<string, string> form)
    {
        using var response = await PostFormAsync(admin, collectionId, form);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"saving answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal($"/Collections/{collectionId}/Schedules", response.Headers.Location!.OriginalString);
        return ScheduleId(collectionId, form["Input.Name"]);
    }

    /// <summary>A button of the Schedules page, as htmx posts it (token in the header).</summary>
    private static async Task<HttpResponseMessage> PostActionAsync(HttpClient client, long collectionId, long scheduleId, string handler)
    {
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collectionId}/Schedules");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Collections/{collectionId}/Schedules/Edit/{scheduleId}?handler={handler}")
        {
            Content = new FormUrlEncodedContent([]),
        };
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        return await client.SendAsync(request);
    }

    private async Task<string> ActAsync(HttpClient admin, long collectionId, long scheduleId, string handler)
    {
        using var response = await PostActionAsync(admin, collectionId, scheduleId, handler);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Collections/{collectionId}/Schedules", response.Headers.Location!.OriginalString);
        // htmx follows the redirect with HX-Request and swaps in the table.
        using var table = await JobTrackerApp.GetHtmxAsync(admin, response.Headers.Location.OriginalString);
        return await table.Content.ReadAsStringAsync();
    }

    private long ScheduleId(long collectionId, string name)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long>("SELECT id FROM export_schedules WHERE collection_id = @collectionId AND name = @name", new { collectionId, name });
    }

    private long ScheduleCount(long collectionId)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM export_schedules WHERE collection_id = @collectionId", new { collectionId });
    }

    private (string Cron, string TimeZone, string NamePattern, int RecordsPerFile, bool Enabled, DateTime? NextFireAt) Stored(long scheduleId)
    {
        using var connection = app.Database.Open();
        return connection.QuerySingle<(string, string, string, int, bool, DateTime?)>(
            "SELECT cron, time_zone, name_pattern, records_per_file, enabled, next_fire_at FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
    }

    [Fact]
    public async Task An_admin_creates_a_schedule_and_everyone_sees_its_next_three_fires_on_its_own_clock()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();

        var scheduleId = await CreateAsync(admin, collectionId, Form("Nightly", recordsPerFile: "2500"));

        var stored = Stored(scheduleId);
        Assert.Equal((FarCron, "Europe/Lisbon", "nightly-{yyyyMMdd}", 2500, true), (stored.Cron, stored.TimeZone, stored.NamePattern, stored.RecordsPerFile, stored.Enabled));
        Assert.Equal(new DateTime(2099, 10, 24, 1, 0, 0, DateTimeKind.Utc), stored.NextFireAt);

        using var viewer = await app.SignInAsAsync(Roles.Viewer);
        foreach (var client in new[] { admin, viewer })
        {
            var page = await client.GetStringAsync($"/Collections/{collectionId}/Schedules");
            var row = Assert.Single(Html.Tags(page, "schedule-row"));
            Assert.Equal(scheduleId.ToString(CultureInfo.InvariantCulture), Html.Attribute(row, "data-schedule-id"));
            Assert.Equal("Nightly", Html.Text(page, "schedule-name"));
            Assert.Equal("Europe/Lisbon", Html.Text(page, "schedule-time-zone"));
            Assert.Equal(FarCron, Html.Text(page, "schedule-cron"));
            // In the user's zone (these users have none: UTC), and on the schedule's own clock below.
            Assert.Equal(["2099-10-24 01:00:00 UTC", "2099-10-25 02:00:00 UTC", "2099-10-26 02:00:00 UTC"], Html.Texts(page, "next-fire"));
            Assert.Equal(["2099-10-24 02:00 UTC+01:00", "2099-10-25 02:00 UTC+00:00", "2099-10-26 02:00 UTC+00:00"], Html.Texts(page, "next-fire-schedule-clock"));
            Assert.Equal(["2099-10-24T01:00:00Z", "2099-10-25T02:00:00Z", "2099-10-26T02:00:00Z"], Html.Tags(page, "next-fire").Select(t => Html.Attribute(t, "datetime")));
            Assert.Equal("nightly-20991024", Html.Text(page, "next-export-name"));
            Assert.Equal("ENABLED", Html.Text(page, "schedule-state"));
            Assert.Equal("not run yet", Html.Text(page, "last-run"));
        }
    }

    [Theory]
    [InlineData("Input.Cron", "0 0 2 * *", "has 5 fields, which is the Unix/crontab form")]
    [InlineData("Input.Cron", "every night", "The cron expression \"every night\" is not valid:")]
    [InlineData("Input.Cron", "0 0 2 1 1 ? 2001", "never fires again in Europe/Lisbon")]
    [InlineData("Input.Cron", "*/10 * * * * ?", "an export schedule may fire at most once a minute")]
    [InlineData("Input.TimeZone", "Europe/Atlantis", "\"Europe/Atlantis\" is not a time zone this server knows. Use an IANA time zone name such as Europe/Lisbon")]
    [InlineData("Input.TimeZone", "", "Choose a time zone")]
    [InlineData("Input.NamePattern", "nightly-{d}", "For the next fire (2099-10-24 02:00 Europe/Lisbon) the pattern gives \"nightly-10/24/2099\", which cannot name an export.")]
    [InlineData("Input.NamePattern", "nightly-{yyyyMMdd", "has a '{' without its '}'")]
    [InlineData("Input.RecordsPerFile", "0", "Records per file must be between 1 and 1,000,000.")]
    [InlineData("Input.Name", "", "Give the schedule a name")]
    public async Task A_schedule_that_cannot_fire_as_written_is_refused_at_save_with_a_clear_message(string field, string value, string message)
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var form = Form("Bad schedule");
        form[field] = value;

        using var response = await PostFormAsync(admin, collectionId, form);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, Html.Text(page, "validation-summary"));
        Assert.Equal(0, ScheduleCount(collectionId));
        // The form keeps what was typed, so the user fixes it rather than typing it again.
        var inputId = field switch
        {
            "Input.Cron" => "schedule-cron",
            "Input.TimeZone" => "schedule-time-zone",
            "Input.NamePattern" => "schedule-pattern",
            "Input.RecordsPerFile" => "schedule-records-per-file",
            _ => "schedule-name",
        };
        var input = System.Text.RegularExpressions.Regex.Match(page, $"<input id=\"{inputId}\"[^>]*>").Value;
        Assert.Equal(field, Html.Attribute(input, "name"));
        Assert.Equal(value, Html.Attribute(input, "value") ?? "");
    }

    [Fact]
    public async Task Two_schedules_of_one_collection_cannot_share_a_name()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        await CreateAsync(admin, collectionId, Form("Nightly"));

        using var response = await PostFormAsync(admin, collectionId, Form("NIGHTLY"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("already has a schedule named \"NIGHTLY\"", Html.Text(await response.Content.ReadAsStringAsync(), "validation-summary"));
        Assert.Equal(1, ScheduleCount(collectionId));
    }

    [Fact]
    public async Task Editing_a_schedule_recomputes_its_next_fire_and_keeps_its_id()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var scheduleId = await CreateAsync(admin, collectionId, Form("Nightly"));

        var form = await admin.GetStringAsync($"/Collections/{collectionId}/Schedules/Edit/{scheduleId}");
        Assert.Contains($"value=\"{FarCron}\"", form);
        Assert.Contains("value=\"Europe/Lisbon\"", form);

        using var saved = await PostFormAsync(admin, collectionId, Form("Nightly UTC", "0 30 4 1 JAN ? 2098", "UTC", "n-{yyyy}", "7"), scheduleId);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        Assert.Equal(scheduleId, ScheduleId(collectionId, "Nightly UTC"));
        Assert.Equal(("0 30 4 1 JAN ? 2098", "UTC", "n-{yyyy}", 7, true, new DateTime(2098, 1, 1, 4, 30, 0, DateTimeKind.Utc)), Stored(scheduleId));
        using var list = await JobTrackerApp.GetHtmxAsync(admin, $"/Collections/{collectionId}/Schedules");
        var table = await list.Content.ReadAsStringAsync();
        Assert.Equal("Saved the schedule Nightly UTC. Its next fire is at 2098-01-01 04:30 UTC.", Html.Text(table, "schedules-message"));
        Assert.Equal(["2098-01-01 04:30 UTC+00:00"], Html.Texts(table, "next-fire-schedule-clock"));
    }

    [Fact]
    public async Task Pause_and_resume_clear_and_recompute_the_next_fire_and_the_page_says_so()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var scheduleId = await CreateAsync(admin, collectionId, Form("Nightly"));

        var paused = await ActAsync(admin, collectionId, scheduleId, "Pause");
        Assert.StartsWith("<section id=\"schedule-table\"", paused.TrimStart());
        Assert.Equal("Paused the schedule Nightly: it does not fire until it is resumed.", Html.Text(paused, "schedules-message"));
        Assert.Equal("PAUSED", Html.Text(paused, "schedule-state"));
        Assert.Empty(Html.Texts(paused, "next-fire"));
        Assert.Single(Html.Tags(paused, "resume-schedule"));
        Assert.Empty(Html.Tags(paused, "pause-schedule"));
        Assert.Equal((false, (DateTime?)null), (Stored(scheduleId).Enabled, Stored(scheduleId).NextFireAt));

        var resumed = await ActAsync(admin, collectionId, scheduleId, "Resume");
        Assert.Equal("Resumed the schedule Nightly. Its next fire is at 2099-10-24 02:00 Europe/Lisbon.", Html.Text(resumed, "schedules-message"));
        Assert.Equal("ENABLED", Html.Text(resumed, "schedule-state"));
        Assert.Equal(3, Html.Texts(resumed, "next-fire").Count);
        Assert.Equal((true, (DateTime?)new DateTime(2099, 10, 24, 1, 0, 0, DateTimeKind.Utc)), (Stored(scheduleId).Enabled, Stored(scheduleId).NextFireAt));
    }

    [Fact]
    public async Task Run_now_queues_an_export_job_initiated_by_the_schedule_and_the_page_links_its_last_run()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var scheduleId = await CreateAsync(admin, collectionId, Form("Nightly", pattern: "manual-{yyyyMMdd}", recordsPerFile: "300"));

        var table = await ActAsync(admin, collectionId, scheduleId, "RunNow");

        var job = Assert.Single(ScheduleRows.Jobs(app.Database, scheduleId));
        Assert.Equal(JobTypes.Export, job.JobType);
        Assert.Equal("schedule: Nightly", job.InitiatedBy);
        Assert.Equal("Run now by admin.", job.Note);
        Assert.Equal("Run now by admin.", Html.Text(await admin.GetStringAsync($"/Jobs/{job.Id}"), "job-note"));
        Assert.Equal(300, job.BatchSize);
        var lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");
        Assert.Equal("manual-" + TimeZoneInfo.ConvertTimeFromUtc(job.ScheduledFor!.Value, lisbon).ToString("yyyyMMdd", CultureInfo.InvariantCulture), job.ExportName);
        Assert.Equal($"Queued export job {job.Id} for the schedule Nightly; it shows in the Job Tracker.", Html.Text(table, "schedules-message"));
        var link = Assert.Single(Html.Tags(table, "last-run-link"));
        Assert.Equal($"/Jobs/{job.Id}", Html.Attribute(link, "href"));
        var status = Html.Text(table, "last-run-status");
        Assert.Contains(status, new[] { Status.Queued, Status.InProgress, Status.Completed, Status.Failed });
        // The run does not move the schedule's own next fire.
        Assert.Equal(new DateTime(2099, 10, 24, 1, 0, 0, DateTimeKind.Utc), Stored(scheduleId).NextFireAt);

        var jobs = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal(job.Id, Html.JobRows(jobs).Single().Id);
        Assert.Contains("schedule: Nightly", jobs);
    }

    [Fact]
    public async Task Deleting_a_schedule_keeps_the_jobs_it_created()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var scheduleId = await CreateAsync(admin, collectionId, Form("Weekly"));
        await ActAsync(admin, collectionId, scheduleId, "RunNow");
        var jobId = Assert.Single(ScheduleRows.Jobs(app.Database, scheduleId)).Id;

        var table = await ActAsync(admin, collectionId, scheduleId, "Delete");

        Assert.Equal("Deleted the schedule Weekly. The export jobs it created stay in the Job Tracker.", Html.Text(table, "schedules-message"));
        Assert.Single(Html.Tags(table, "empty-schedules"));
        Assert.Equal(0, ScheduleCount(collectionId));
        var job = app.Job(jobId);
        Assert.Equal("schedule: Weekly", job.InitiatedBy);
        Assert.Null(job.ScheduleId);
        using var again = await PostActionAsync(admin, collectionId, scheduleId, "RunNow");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Support)]
    public async Task Only_admins_change_schedules_others_see_them_without_any_control(string role)
    {
        var collectionId = app.CreateCollection();
        long scheduleId;
        using (var admin = await app.SignInAsync())
            scheduleId = await CreateAsync(admin, collectionId, Form("Nightly"));
        using var user = await app.SignInAsAsync(role);

        var page = await user.GetStringAsync($"/Collections/{collectionId}/Schedules");
        Assert.Single(Html.Tags(page, "schedule-row"));
        Assert.Equal(3, Html.Texts(page, "next-fire").Count);
        foreach (var control in new[] { "new-schedule", "edit-schedule", "pause-schedule", "resume-schedule", "run-schedule-now", "delete-schedule" })
            Assert.Empty(Html.Tags(page, control));
        var workspace = await user.GetStringAsync($"/Workspaces/{app.WorkspaceId("Acme Retail")}");
        Assert.Contains($"/Collections/{collectionId}/Schedules", Html.Tags(workspace, "schedules-link").Select(t => Html.Attribute(t, "href")));

        using var form = await user.GetAsync($"/Collections/{collectionId}/Schedules/Edit");
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/Account/AccessDenied", form.Headers.Location!.AbsolutePath);

        // Posting anyway, with the user's own valid antiforgery token, changes nothing.
        var token = await JobTrackerApp.RequestTokenAsync(user, $"/Collections/{collectionId}/Schedules");
        var fields = new List<KeyValuePair<string, string>>(Form("Sneaky")) { new("__RequestVerificationToken", token) };
        using var create = await user.PostAsync($"/Collections/{collectionId}/Schedules/Edit", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, create.StatusCode);
        Assert.Equal("/Account/AccessDenied", create.Headers.Location!.AbsolutePath);
        foreach (var handler in new[] { "Pause", "RunNow", "Delete" })
        {
            using var denied = await PostActionAsync(user, collectionId, scheduleId, handler);
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.Contains("/Account/AccessDenied", denied.Headers.GetValues("HX-Redirect").Single());
        }
        Assert.Equal(1, ScheduleCount(collectionId));
        Assert.Equal((true, (DateTime?)new DateTime(2099, 10, 24, 1, 0, 0, DateTimeKind.Utc)), (Stored(scheduleId).Enabled, Stored(scheduleId).NextFireAt));
        Assert.Empty(ScheduleRows.Jobs(app.Database, scheduleId));
    }

    [Fact]
    public async Task The_page_and_its_htmx_partial_share_one_url_and_a_missing_collection_is_not_found()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        await CreateAsync(admin, collectionId, Form("Nightly"));
        var path = $"/Collections/{collectionId}/Schedules";

        using var page = await admin.GetAsync(path);
        using var partial = await JobTrackerApp.GetHtmxAsync(admin, path);
        var partialText = await partial.Content.ReadAsStringAsync();

        Assert.Contains("<html", await page.Content.ReadAsStringAsync());
        Assert.StartsWith("<section id=\"schedule-table\"", partialText.TrimStart());
        Assert.DoesNotContain("<html", partialText);
        Assert.Contains("HX-Request", page.Headers.Vary);
        Assert.Contains("HX-Request", partial.Headers.Vary);
        Assert.Equal("false", Html.Attribute(Html.Tags(partialText, "schedule-table").Single(), "data-polling"));
        using var missing = await admin.GetAsync("/Collections/999999/Schedules");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_form_previews_the_next_fires_and_the_export_name_or_what_is_wrong()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var query = $"/Collections/{collectionId}/Schedules/Edit?handler=Preview&Input.Cron={Uri.EscapeDataString(FarCron)}" +
                    "&Input.TimeZone=Europe%2FLisbon&Input.NamePattern=nightly-%7ByyyyMMdd%7D&Input.RecordsPerFile=10000";

        using var good = await JobTrackerApp.GetHtmxAsync(admin, query);
        var goodText = await good.Content.ReadAsStringAsync();
        Assert.Equal(["2099-10-24 02:00 UTC+01:00", "2099-10-25 02:00 UTC+00:00", "2099-10-26 02:00 UTC+00:00"], Html.Texts(goodText, "preview-fire"));
        Assert.Equal("nightly-20991024", Html.Text(goodText, "preview-export-name"));

        using var bad = await JobTrackerApp.GetHtmxAsync(admin, query.Replace("Europe%2FLisbon", "Europe%2FNowhere"));
        var problem = Assert.Single(Html.Texts(await bad.Content.ReadAsStringAsync(), "preview-problem"));
        Assert.StartsWith("\"Europe/Nowhere\" is not a time zone this server knows.", problem);
    }

    [Fact]
    public async Task A_schedule_with_a_fire_seconds_away_creates_exactly_one_export_job_in_the_running_app()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var lisbon = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");
        var (fireAt, cron) = ScheduleRows.OneShot(DateTime.UtcNow.AddSeconds(4), lisbon);
        var scheduleId = await CreateAsync(admin, collectionId, Form("Soon", cron, "Europe/Lisbon", "soon-{yyyyMMdd-HHmmss}", "7"));
        Assert.Equal(fireAt, Stored(scheduleId).NextFireAt);

        var deadline = DateTime.UtcNow + JobTrackerApp.Patience;
        while (ScheduleRows.Jobs(app.Database, scheduleId).Count == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(3)); // several more passes of the firer

        var job = Assert.Single(ScheduleRows.Jobs(app.Database, scheduleId));
        Assert.Equal(JobTypes.Export, job.JobType);
        Assert.Equal(collectionId, job.CollectionId);
        Assert.Equal("schedule: Soon", job.InitiatedBy);
        Assert.Equal(fireAt, job.ScheduledFor);
        Assert.Equal("soon-" + TimeZoneInfo.ConvertTimeFromUtc(fireAt, lisbon).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture), job.ExportName);
        Assert.Equal(7, job.BatchSize);
        Assert.Null(job.Note);
        Assert.True(job.CreatedAt >= fireAt, $"created at {job.CreatedAt:O}, before its fire at {fireAt:O}");
        Assert.Null(Stored(scheduleId).NextFireAt);

        var page = await admin.GetStringAsync($"/Collections/{collectionId}/Schedules");
        Assert.Equal($"/Jobs/{job.Id}", Html.Attribute(Html.Tags(page, "last-run-link").Single(), "href"));
        Assert.Single(Html.Tags(page, "no-more-fires"));
        var jobs = await admin.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal(job.Id, Html.JobRows(jobs).Single().Id);

        // Once the export engine exists, the job it created runs to the end like any export (an empty collection: 0 / 0).
        if (typeof(JobRunner).Assembly.GetType("JobTracker.Jobs.Engine.ExportWork") is not null)
            await app.WaitForStatusAsync(job.Id, Status.Completed);
    }

    [Fact]
    public async Task A_schedule_paused_before_its_fire_does_not_fire_and_does_not_catch_up_when_resumed()
    {
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var (fireAt, cron) = ScheduleRows.OneShot(DateTime.UtcNow.AddSeconds(3), TimeZoneInfo.Utc);
        var scheduleId = await CreateAsync(admin, collectionId, Form("Paused soon", cron, "UTC", "paused-{HHmmss}"));

        await ActAsync(admin, collectionId, scheduleId, "Pause");
        while (DateTime.UtcNow < fireAt.AddSeconds(3)) await Task.Delay(200);
        Assert.Empty(ScheduleRows.Jobs(app.Database, scheduleId));

        var resumed = await ActAsync(admin, collectionId, scheduleId, "Resume");
        Assert.Equal("Resumed the schedule Paused soon, but its cron expression names no later time: it will not fire again.", Html.Text(resumed, "schedules-message"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(ScheduleRows.Jobs(app.Database, scheduleId));
        Assert.Null(Stored(scheduleId).NextFireAt);
    }
}
