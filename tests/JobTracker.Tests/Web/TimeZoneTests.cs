using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Time zones over real HTTP: every page shows times in the signed-in user's zone with the zone's
/// abbreviation, across a daylight-saving change (Europe/Berlin and America/New_York); the Settings page
/// saves a zone and refuses an unknown one; the first sign-in stores the zone the browser names and a
/// later one does not overwrite it; the job search's dates are days in the user's zone; the audit log
/// download states UTC in its header. Storage stays UTC throughout.
/// </summary>
public sealed partial class TimeZoneTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private static DateTime Utc(string text) =>
        DateTime.SpecifyKind(DateTime.Parse(text, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    /// <summary>A finished job inserted straight into the database, submitted, started and finished at the given UTC times.</summary>
    private long Job(long collectionId, string startedUtc, string? finishedUtc = null, string fileName = "zoned.csv")
    {
        var id = app.InsertJob(collectionId, Status.Completed, fileName);
        using var connection = app.Database.Open();
        var started = Utc(startedUtc);
        connection.Execute("UPDATE jobs SET created_at = @started, started_at = @started, finished_at = @finished WHERE id = @id",
            new { started, finished = Utc(finishedUtc ?? startedUtc), id });
        return id;
    }

    private string? StoredZone(string userName)
    {
        using var connection = app.Database.Open();
        return connection.QuerySingle<string?>("SELECT time_zone FROM users WHERE user_name = @userName", new { userName });
    }

    private void StoreZone(string userName, string? zone)
    {
        using var connection = app.Database.Open();
        connection.Execute("UPDATE users SET time_zone = @zone WHERE user_name = @userName", new { zone, userName });
    }

    /// <summary>A new user of the role, with the zone stored, signed in.</summary>
    private async Task<HttpClient> SignInWithZoneAsync(string zone, string role = Roles.Admin)
    {
        var userName = app.CreateUser(role);
        StoreZone(userName, zone);
        return await app.SignInAsync(userName);
    }

    /// <summary>The sign-in form posted as the browser sends it after site.js filled in its time zone.</summary>
    private static async Task<HttpResponseMessage> PostSignInFromZoneAsync(HttpClient client, string userName, string browserZone)
    {
        var form = await client.GetStringAsync("/Account/Login");
        Assert.Single(Html.Tags(form, "browser-time-zone"));
        return await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = JobTrackerApp.UserPassword,
            ["Input.TimeZone"] = browserZone,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        }));
    }

    private static async Task<HttpResponseMessage> PostTimeZoneAsync(HttpClient client, string zone)
    {
        var page = await client.GetStringAsync("/Account/Settings");
        return await client.PostAsync("/Account/Settings?handler=TimeZone", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["timeZone"] = zone,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(page),
        }));
    }

    /// <summary>The datetime attribute of the first &lt;time&gt; inside the element with the data-testid.</summary>
    private static string TimeTag(string page, string testId)
    {
        var at = page.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no {testId} on the page");
        return Regex.Match(page[at..], "<time datetime=\"([^\"]+)\"").Groups[1].Value;
    }

    [Theory]
    // Berlin: clocks go from 02:00 CET to 03:00 CEST at 2026-03-29 01:00Z.
    [InlineData("Europe/Berlin", "2026-03-29 00:30", "2026-03-29 01:30:00 CET", "2026-03-29 01:30", "2026-03-29 03:30:00 CEST")]
    // New York: clocks go from 02:00 EST to 03:00 EDT at 2026-03-08 07:00Z.
    [InlineData("America/New_York", "2026-03-08 06:30", "2026-03-08 01:30:00 EST", "2026-03-08 07:30", "2026-03-08 03:30:00 EDT")]
    public async Task Jobs_on_either_side_of_a_daylight_saving_change_read_in_the_users_zone_with_its_abbreviation(
        string zone, string beforeUtc, string beforeShown, string afterUtc, string afterShown)
    {
        var collectionId = app.CreateCollection();
        var before = Job(collectionId, beforeUtc, fileName: "before.csv");
        var after = Job(collectionId, afterUtc, fileName: "after.csv");
        using var client = await SignInWithZoneAsync(zone);

        // Job Details: the time in the zone, the UTC instant in <time datetime="…Z">.
        var beforePage = await client.GetStringAsync($"/Jobs/{before}");
        Assert.Equal(beforeShown, Html.Text(beforePage, "job-started"));
        Assert.Equal(beforeShown, Html.Text(beforePage, "job-finished"));
        Assert.Equal(Utc(beforeUtc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), TimeTag(beforePage, "job-started"));
        var afterPage = await client.GetStringAsync($"/Jobs/{after}");
        Assert.Equal(afterShown, Html.Text(afterPage, "job-started"));
        Assert.Equal(Utc(afterUtc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), TimeTag(afterPage, "job-started"));

        // The Job Tracker's table: newest first.
        var tracker = await client.GetStringAsync($"/Collections/{collectionId}/Jobs");
        Assert.Equal([afterShown, beforeShown], Html.Texts(tracker, "job-row-started"));
        Assert.Equal([afterShown, beforeShown], Html.Texts(tracker, "job-row-finished"));
        Assert.Contains($"title=\"Times in {zone}\"", tracker);

        // A user without a zone sees the same jobs in UTC; storage never changed.
        using var utcUser = await app.SignInAsAsync(Roles.Viewer);
        var utcPage = await utcUser.GetStringAsync($"/Jobs/{before}");
        Assert.Equal(Utc(beforeUtc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC", Html.Text(utcPage, "job-started"));
        Assert.Equal(Utc(beforeUtc), app.Job(before).StartedAt);
    }

    [Fact]
    public async Task The_users_pages_show_sign_ins_and_sessions_in_the_users_zone()
    {
        using var client = await SignInWithZoneAsync("Asia/Kolkata");
        using var connection = app.Database.Open();
        var userId = connection.QuerySingle<long>("SELECT id FROM users WHERE time_zone = 'Asia/Kolkata'");
        var signedIn = connection.QuerySingle<DateTime>("SELECT MAX(created_at) FROM sessions WHERE user_id = @userId", new { userId });
        var expected = NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(signedIn, DateTimeKind.Utc))
            .InZone(NodaTime.DateTimeZoneProviders.Tzdb["Asia/Kolkata"]).ToString("uuuu'-'MM'-'dd HH':'mm':'ss", CultureInfo.InvariantCulture) + " IST";

        var details = await client.GetStringAsync($"/Users/{userId}");
        Assert.Equal(expected, Html.Texts(details, "session-signed-in").Single());
        Assert.EndsWith(" IST", Html.Texts(details, "session-last-seen").Single());
        var index = await client.GetStringAsync("/Users");
        var row = Html.Tags(index, "user-row").Single(t => Html.Attribute(t, "data-user-id") == userId.ToString(CultureInfo.InvariantCulture));
        var rowHtml = index[index.IndexOf(row, StringComparison.Ordinal)..];
        Assert.Equal(expected, Html.Text(rowHtml, "user-last-sign-in"));
    }

    [Fact]
    public async Task The_settings_page_saves_a_zone_and_refuses_an_unknown_one_with_a_clear_message()
    {
        var userName = app.CreateUser(Roles.Viewer);
        using var client = await app.SignInAsync(userName);
        var page = await client.GetStringAsync("/Account/Settings");
        Assert.NotNull(Html.Text(page, "time-zone-section"));
        Assert.NotNull(Html.Text(page, "password-section"));
        Assert.Equal("/Account/Password", Html.Attribute(Html.Tags(page, "settings-password-link").Single(), "href"));
        Assert.Equal("/Account/Settings", Html.Attribute(Html.Tags(page, "settings-link").Single(), "href"));
        Assert.NotNull(Html.Text(page, "no-time-zone"));
        Assert.EndsWith(" UTC", Html.Text(page, "settings-now"));
        Assert.Contains("<option value=\"Europe/Berlin\">", page);

        using (var saved = await PostTimeZoneAsync(client, "America/New_York"))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            Assert.Equal("/Account/Settings", saved.Headers.Location?.OriginalString);
        }
        Assert.Equal("America/New_York", StoredZone(userName));
        page = await client.GetStringAsync("/Account/Settings");
        Assert.Equal("Your time zone is now America/New_York: every page shows times in it.", Html.Text(page, "settings-message"));
        Assert.Equal("America/New_York", Html.Attribute(Html.Tags(page, "time-zone-input").Single(), "value"));
        Assert.Matches(" E[SD]T$", Html.Text(page, "settings-now"));
        Assert.Null(Html.Text(page, "no-time-zone"));

        using (var refused = await PostTimeZoneAsync(client, "Mars/Olympus_Mons"))
        {
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var answer = await refused.Content.ReadAsStringAsync();
            Assert.Contains("\"Mars/Olympus_Mons\" is not a time zone we know. Choose one from the list, such as Europe/Berlin or America/New_York.",
                Html.Text(answer, "validation-summary"));
            Assert.Equal("Mars/Olympus_Mons", Html.Attribute(Html.Tags(answer, "time-zone-input").Single(), "value"));
        }
        Assert.Equal("America/New_York", StoredZone(userName));
    }

    [Fact]
    public async Task The_first_sign_in_stores_the_browsers_zone_and_a_later_one_does_not_overwrite_it()
    {
        var userName = app.CreateUser(Roles.Support);
        Assert.Null(StoredZone(userName));

        // An id the tz database does not know is ignored: the user still has no zone (and sees UTC).
        using (var unknown = app.CreateBrowserLikeClient())
        using (var response = await PostSignInFromZoneAsync(unknown, userName, "Etc/Unknown"))
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Null(StoredZone(userName));

        using (var tokyo = app.CreateBrowserLikeClient())
        {
            using (var response = await PostSignInFromZoneAsync(tokyo, userName, "Asia/Tokyo"))
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("Asia/Tokyo", StoredZone(userName));
            Assert.EndsWith(" JST", Html.Text(await tokyo.GetStringAsync("/Account/Settings"), "settings-now"));
        }

        using var paris = app.CreateBrowserLikeClient();
        using (var response = await PostSignInFromZoneAsync(paris, userName, "Europe/Paris"))
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("Asia/Tokyo", StoredZone(userName));
        Assert.EndsWith(" JST", Html.Text(await paris.GetStringAsync("/Account/Settings"), "settings-now"));
    }

    [Fact]
    public async Task The_job_search_date_range_is_days_in_the_users_zone()
    {
        var c = app.CreateCollection();
        // 2026-04-01 23:30 and 2026-04-02 00:30 in Berlin (CEST, UTC+2); both on 2026-04-01 in UTC.
        var lateOnFirst = Job(c, "2026-04-01 21:30", fileName: "late-on-the-first.csv");
        var earlyOnSecond = Job(c, "2026-04-01 22:30", fileName: "early-on-the-second.csv");
        using var berlin = await SignInWithZoneAsync("Europe/Berlin", Roles.Viewer);
        using var utc = await app.SignInAsAsync(Roles.Viewer);
        var path = $"/Collections/{c}/Jobs";

        async Task<List<long>> Ids(HttpClient client, string query)
        {
            using var response = await JobTrackerApp.GetHtmxAsync(client, path + query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Html.JobRows(await response.Content.ReadAsStringAsync()).Select(r => r.Id).ToList();
        }

        Assert.Equal([earlyOnSecond], await Ids(berlin, "?from=2026-04-02&to=2026-04-02"));
        Assert.Equal([lateOnFirst], await Ids(berlin, "?from=2026-04-01&to=2026-04-01"));
        Assert.Equal([earlyOnSecond], await Ids(berlin, "?from=2026-04-02"));
        Assert.Equal([lateOnFirst], await Ids(berlin, "?to=2026-04-01"));
        Assert.Equal([], await Ids(utc, "?from=2026-04-02&to=2026-04-02"));
        Assert.Equal([earlyOnSecond, lateOnFirst], await Ids(utc, "?from=2026-04-01&to=2026-04-01"));

        var page = await berlin.GetStringAsync(path + "?from=2026-04-02&to=2026-04-02");
        Assert.Contains("Submitted from (Europe/Berlin)", page);
    }

    [Fact]
    public async Task The_audit_log_download_states_utc_in_its_header_and_its_times()
    {
        using var client = await SignInWithZoneAsync("Europe/Berlin");
        var collectionId = app.CreateCollection();
        var jobId = await app.UploadAsync(client, collectionId, "zoned.csv", "customerId,name\nc-1,Ada\nc-2,Grace\n");
        var job = await app.WaitUntilFinishedAsync(jobId);
        Assert.Equal(Status.Completed, job.Status);

        var csv = Csv.Parse((await client.GetStringAsync($"/Jobs/{jobId}/AuditLog")).TrimStart('\uFEFF'));
        Assert.Equal(["row", "batch_id", "record_key", "outcome", "field", "message", "time_utc"], csv[0]);
        var finished = app.Batches(jobId).Single().FinishedAt!.Value;
        Assert.All(csv.Skip(1), line =>
        {
            Assert.Equal(AuditLog.Created, line[3]);
            Assert.Equal(DateTime.SpecifyKind(finished, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), line[6]);
        });
        Assert.Equal(2, csv.Count - 1);
        var perBatch = Csv.Parse((await client.GetStringAsync($"/Jobs/{jobId}/AuditLog/0")).TrimStart('\uFEFF'));
        Assert.Equal(csv[0], perBatch[0]);
    }
}
