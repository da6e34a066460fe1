using System.Net;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.PostgreSql;
using JobTracker.Tests.Engine;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace JobTracker.Tests.Web;

/// <summary>
/// The app with its own database login on PostgreSQL (a role of its own, so that a test can refuse it
/// the database), and as usual on SQLite.
/// </summary>
public sealed class HealthApp : IDisposable
{
    private readonly Dictionary<string, string> settings = [];

    public HealthApp()
    {
        App = new JobTrackerApp { Settings = settings };
        if (App.Folder.Provider != PostgreSqlProvider.ProviderName) return;
        Role = "health_" + Guid.NewGuid().ToString("N")[..12];
        Admin($"CREATE ROLE \"{Role}\" LOGIN SUPERUSER");
        settings["ConnectionStrings:JobTracker"] = new NpgsqlConnectionStringBuilder(App.Folder.ConnectionString) { Username = Role }.ConnectionString;
    }

    public JobTrackerApp App { get; }

    /// <summary>The app's own PostgreSQL login (null on SQLite).</summary>
    public string? Role { get; }

    /// <summary>A statement run as the server's superuser (PostgreSQL).</summary>
    public static void Admin(string sql)
    {
        using var connection = new NpgsqlConnection(TestProvider.PostgreSqlServer);
        connection.Open();
        connection.Execute(sql);
    }

    public void Dispose()
    {
        App.Dispose();
        if (Role is null) return;
        try
        {
            Admin($"DROP OWNED BY \"{Role}\"");
            Admin($"DROP ROLE IF EXISTS \"{Role}\"");
        }
        catch (PostgresException)
        {
        }
    }
}

/// <summary>
/// /health/live and /health/ready over real HTTP, anonymous: healthy; the database unreadable (SQLite:
/// the file replaced by one that is not a database; PostgreSQL: the app's login refused and its
/// connections ended) → ready Unhealthy with the reason, live Healthy; the storage folder not a folder
/// → Unhealthy; a schedule's failed fire → Degraded. Every answer is JSON with no path and the security headers.
/// </summary>
public sealed class HealthTests(HealthApp fixture) : IClassFixture<HealthApp>
{
    private JobTrackerApp App => fixture.App;

    private sealed record Check(string Name, string Status, string Description, string[] Details);

    private sealed record Answer(HttpStatusCode Code, string Status, IReadOnlyList<Check> Checks, string Body, HttpResponseMessage Response)
    {
        public Check this[string name] => Checks.Single(c => c.Name == name);
    }

    private async Task<Answer> GetAsync(string path, HttpClient? signedIn = null)
    {
        using var anonymous = App.CreateBrowserLikeClient(); // not signed in: probes are anonymous
        var response = await (signedIn ?? anonymous).GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotContain(App.Folder.Path, body);
        Assert.DoesNotContain("/tmp", body);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        using var json = JsonDocument.Parse(body);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => new Check(
            c.GetProperty("name").GetString()!, c.GetProperty("status").GetString()!, c.GetProperty("description").GetString()!,
            c.GetProperty("details").EnumerateArray().Select(d => d.GetString()!).ToArray())).ToList();
        return new Answer(response.StatusCode, json.RootElement.GetProperty("status").GetString()!, checks, body, response);
    }

    /// <summary>Asks until the answer has <paramref name="status"/> (the workers' first passes, a pool's broken connections), then returns it.</summary>
    private Task<Answer> ReadyUntilAsync(string status) => ReadyUntilAsync(answer => answer.Status == status);

    private async Task<Answer> ReadyUntilAsync(Func<Answer, bool> wanted)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var answer = await GetAsync("/health/ready");
            if (wanted(answer) || clock.Elapsed > TimeSpan.FromSeconds(30)) return answer;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Live_and_ready_are_healthy_for_an_anonymous_probe()
    {
        var live = await GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.Code);
        Assert.Equal("Healthy", live.Status);
        Assert.Equal(["process"], live.Checks.Select(c => c.Name));

        var ready = await ReadyUntilAsync("Healthy");
        Assert.True(ready.Status == "Healthy", ready.Body);
        Assert.Equal(HttpStatusCode.OK, ready.Code);
        Assert.Equal(["database", "migrations", "workers", "storage", "schedules"], ready.Checks.Select(c => c.Name));
        Assert.All(ready.Checks, c => Assert.Equal("Healthy", c.Status));
        Assert.Equal($"The {App.Folder.Provider} database answers.", ready["database"].Description);
        Assert.Equal($"All {Database.Migrations(App.Database.Provider).Count} migrations of this version are applied.", ready["migrations"].Description);
        Assert.Matches("^2 of 2 workers are polling", ready["workers"].Description);
        Assert.Matches(@"^The storage folder takes files \([\d,]+ MB free; 512 MB kept free\)\.$", ready["storage"].Description);
        Assert.Equal("No export schedule needs attention.", ready["schedules"].Description);
        Assert.True(ready.Response.Headers.CacheControl?.NoStore, "a probe's answer must not be cached");
    }

    [Fact]
    public async Task Ready_is_unhealthy_with_the_reason_while_the_database_cannot_be_read_and_live_stays_healthy()
    {
        await ReadyUntilAsync("Healthy");
        var restore = MakeDatabaseUnreadable();
        try
        {
            var reason = fixture.Role is null ? "file is not a database" : $"role \"{fixture.Role}\" is not permitted to log in";
            var ready = await ReadyUntilAsync(answer => answer["database"].Description.Contains(reason, StringComparison.Ordinal));
            Assert.True(ready.Status == "Unhealthy", ready.Body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Code);
            var database = ready["database"];
            Assert.Equal("Unhealthy", database.Status);
            Assert.StartsWith($"The {App.Folder.Provider} database cannot be reached: ", database.Description);
            Assert.Contains(reason, database.Description);
            Assert.Equal("Unhealthy", ready["migrations"].Status);
            Assert.Equal("Healthy", ready["storage"].Status);

            var live = await GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.Code);
            Assert.Equal("Healthy", live.Status);
        }
        finally
        {
            restore();
        }
        var back = await ReadyUntilAsync("Healthy");
        Assert.True(back.Status == "Healthy", back.Body);
    }

    [Fact]
    public async Task Ready_is_unhealthy_while_the_storage_folder_does_not_take_files()
    {
        await ReadyUntilAsync("Healthy");
        var storage = App.Folder.StoragePath;
        var aside = storage + ".aside";
        Directory.CreateDirectory(storage);
        Directory.Move(storage, aside);
        await File.WriteAllTextAsync(storage, "a file where the storage folder should be");
        try
        {
            var ready = await GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Code);
            Assert.Equal("Unhealthy", ready.Status);
            Assert.Equal("Unhealthy", ready["storage"].Status);
            Assert.Equal("The storage folder does not take files: it is not a folder this process can write to.", ready["storage"].Description);
            Assert.Equal("Healthy", ready["database"].Status);
        }
        finally
        {
            File.Delete(storage);
            Directory.Move(aside, storage);
        }
        Assert.Equal("Healthy", (await ReadyUntilAsync("Healthy"))["storage"].Status);
    }

    [Fact]
    public async Task A_failed_schedule_fire_makes_ready_degraded_not_unhealthy()
    {
        await ReadyUntilAsync("Healthy");
        var collectionName = "Health " + Guid.NewGuid().ToString("N")[..6];
        var collection = App.CreateCollection(collectionName);
        var scheduleId = ScheduleRows.Insert(App.Database, collection, "Nightly", "0 0 2 * * ?", "UTC", "nightly-{yyyyMMdd}", nextFireAt: DateTime.UtcNow.AddDays(1));
        long jobId;
        using (var connection = App.Database.Open())
        {
            var at = DateTime.UtcNow;
            jobId = connection.ExecuteScalar<long>(App.Database.Provider.InsertReturningId(
                    "jobs",
                    "collection_id, job_type, file_name, export_name, status, status_reason, initiated_by, batch_size, created_at, started_at, finished_at, schedule_id, scheduled_for",
                    "@collection, 'Export', 'nightly', 'nightly', @Failed, 'The export could not write its batch file: the disk is full.', 'schedule: Nightly', 1000, @at, @at, @at, @scheduleId, @at"),
                new { collection, Failed = Status.Failed, at, scheduleId });
        }
        try
        {
            var ready = await GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.Code);
            Assert.True(ready.Status == "Degraded", ready.Body);
            var schedules = ready["schedules"];
            Assert.Equal("Degraded", schedules.Status);
            Assert.Equal("1 export schedule warning.", schedules.Description);
            // An anonymous probe gets the count; the names are for signed-in users only.
            Assert.Empty(schedules.Details);
            Assert.DoesNotContain(collectionName, ready.Body);
            using var signedIn = await App.SignInAsync();
            var detail = Assert.Single((await GetAsync("/health/ready", signedIn))["schedules"].Details);
            Assert.StartsWith($"Acme Retail / {collectionName}: ", detail);
            Assert.Contains($"The last run of Nightly (export job {jobId}) ended FAILED at ", detail);
            Assert.EndsWith("The export could not write its batch file: the disk is full.", detail);
            Assert.All(ready.Checks.Where(c => c.Name != "schedules"), c => Assert.Equal("Healthy", c.Status));
        }
        finally
        {
            using var connection = App.Database.Open();
            connection.Execute("DELETE FROM jobs WHERE id = @jobId", new { jobId });
            connection.Execute("DELETE FROM export_schedules WHERE id = @scheduleId", new { scheduleId });
        }
    }

    /// <summary>Makes the app's database unreadable; returns what puts it back.</summary>
    private Action MakeDatabaseUnreadable()
    {
        if (fixture.Role is { } role)
        {
            // The app's login is refused and its open connections ended: the server is there, but not for this app.
            HealthApp.Admin($"ALTER ROLE \"{role}\" NOLOGIN");
            HealthApp.Admin($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");
            NpgsqlConnection.ClearAllPools();
            return () =>
            {
                HealthApp.Admin($"ALTER ROLE \"{role}\" LOGIN");
                NpgsqlConnection.ClearAllPools();
            };
        }

        // SQLite: the database file (and its -wal and -shm) set aside, and a file that is not a database in its place.
        var file = new SqliteConnectionStringBuilder(App.Folder.ConnectionString).DataSource;
        SqliteConnection.ClearAllPools();
        var parts = new List<string>();
        foreach (var part in new[] { file, file + "-wal", file + "-shm" })
        {
            try
            {
                File.Move(part, part + ".aside");
                parts.Add(part);
            }
            catch (FileNotFoundException)
            {
                // The -wal and -shm come and go: SQLite removes them when the last connection closes.
            }
        }
        Assert.Contains(file, parts);
        File.WriteAllText(file, new string('x', 8192));
        SqliteConnection.ClearAllPools();
        return () =>
        {
            SqliteConnection.ClearAllPools();
            foreach (var leftover in Directory.GetFiles(Path.GetDirectoryName(file)!, Path.GetFileName(file) + "*").Where(f => !f.EndsWith(".aside", StringComparison.Ordinal)))
                File.Delete(leftover);
            foreach (var part in parts) File.Move(part + ".aside", part);
            SqliteConnection.ClearAllPools();
        };
    }
}
