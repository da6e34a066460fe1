using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The whole web app, in process, on a real Kestrel port, on its own <see cref="TestFolder"/>
/// (SQLite file with the sign-in keys, uploaded files, logs), with the Quartz workers running
/// for real (poll interval 200 ms) and the demo data (Acme Retail / Customers) seeded.
/// Settings go through UseSetting: Program.cs reads some of them (RunWorkers, PollInterval,
/// Workers) while it registers services, before ConfigureAppConfiguration sources would be seen.
/// </summary>
public sealed class JobTrackerApp : WebApplicationFactory<Program>
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "admin-password-for-tests";

    /// <summary>The password of every user made by <see cref="CreateUser"/>.</summary>
    public const string UserPassword = "user-password-for-tests";

    /// <summary>How long a test waits for a worker to finish a small job (generous: the suite runs classes in parallel on 2 cores).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private int disposed;
    private int userCount;

    /// <summary>One public constructor, so that xunit can make it a class fixture; tune it with the init properties.</summary>
    public JobTrackerApp()
    {
        Folder = new TestFolder();
        UseKestrel(0);
    }

    /// <summary>Rows per batch (JobTracker:BatchSize): small, so that the sample file's 50 rows make 3 batches.</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>JobTracker:MaxUploadBytes, when a test needs a small upload limit.</summary>
    public long? MaxUploadBytes { get; init; }

    /// <summary>JobTracker:Storage.</summary>
    public StorageKind Storage { get; init; } = StorageKind.Folder;

    /// <summary>Another node: this app runs on that app's database, with its own folder (storage, logs), NodeId and workers (or none).</summary>
    public JobTrackerApp? SameDatabaseAs { get; init; }

    public string NodeId { get; init; } = "web-tests";
    public bool RunWorkers { get; init; } = true;

    /// <summary>
    /// JobTracker:SignIn settings (e.g. "ClientPermits" = "3"), over the tests' own defaults: sign-in rate limits
    /// high enough for a test class that signs in many times from 127.0.0.1.
    /// </summary>
    public IReadOnlyDictionary<string, string> SignIn { get; init; } = new Dictionary<string, string>();

    /// <summary>More settings (or overrides), e.g. JobTracker:Https:Enabled.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The content root (appsettings.json), when not the web project's folder.</summary>
    public string? ContentRoot { get; init; }

    /// <summary>Services to put in place of the app's own (ConfigureTestServices), e.g. a <see cref="FillingDisk"/>.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public TestFolder Folder { get; }

    /// <summary>The real address Kestrel listens on, e.g. http://127.0.0.1:41234 (starts the server).</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First());
        }
    }

    public Database Database => Services.GetRequiredService<Database>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string>
        {
            ["JobTracker:Database:Provider"] = Folder.Provider,
            ["ConnectionStrings:JobTracker"] = (SameDatabaseAs?.Folder ?? Folder).ConnectionString,
            ["JobTracker:Storage"] = Storage.ToString(),
            ["JobTracker:StoragePath"] = Folder.StoragePath,
            ["JobTracker:Admin:Password"] = AdminPassword,
            ["JobTracker:DemoData"] = "true",
            ["JobTracker:RunWorkers"] = RunWorkers ? "true" : "false",
            ["JobTracker:Workers"] = "2",
            ["JobTracker:PollInterval"] = "00:00:00.200",
            // Tests change the database and poll at once: no shared recent answer (PollRenderCache), except where a
            // test sets it (PollTests' own test of it, the browser's polling tests).
            ["JobTracker:Polling:SharedFor"] = "00:00:00",
            // Tests change users and sessions in the database directly too: each request reads its session (LiveSessionCache),
            // except where a test sets it (SessionRecheckTests, the browser tests).
            ["JobTracker:SignIn:SessionRecheck"] = "00:00:00",
            ["JobTracker:Lease"] = "00:00:30",
            ["JobTracker:NodeId"] = NodeId,
            ["JobTracker:BatchSize"] = BatchSize.ToString(CultureInfo.InvariantCulture),
            // Quiet console; the file sink (appsettings.json WriteTo[1]) writes into the test folder, not web/data.
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Serilog:WriteTo:1:Args:path"] = Path.Combine(Folder.Path, "logs", "jobtracker-.log"),
        };
        settings["JobTracker:SignIn:ClientPermits"] = "100000";
        settings["JobTracker:SignIn:UserNamePermits"] = "100000";
        foreach (var (key, value) in SignIn) settings["JobTracker:SignIn:" + key] = value;
        if (MaxUploadBytes is { } max) settings["JobTracker:MaxUploadBytes"] = max.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in Settings) settings[key] = value;

        builder.UseEnvironment("Production");
        if (ContentRoot is not null) builder.UseContentRoot(ContentRoot);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (TestServices is not null) builder.ConfigureTestServices(TestServices);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Interlocked.Exchange(ref disposed, 1) == 0) Folder.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Interlocked.Exchange(ref disposed, 1) == 0) Folder.Dispose();
    }

    // ---------------------------------------------------------------- users and sign-in

    /// <summary>Creates a user straight in the users table, hashed as the web app does; returns the user name.</summary>
    public string CreateUser(string role, string? userName = null)
    {
        userName ??= $"{role}-{Interlocked.Increment(ref userCount)}";
        var account = new UserAccount { UserName = userName, Role = role };
        var hash = Services.GetRequiredService<IPasswordHasher<UserAccount>>().HashPassword(account, UserPassword);
        using var connection = Database.Open();
        connection.Execute(
            "INSERT INTO users (user_name, password_hash, role, created_at) VALUES (@userName, @hash, @role, @now)",
            new { userName, hash, role, now = DateTime.UtcNow });
        return userName;
    }

    /// <summary>
    /// A plain HttpClient on the real port that keeps cookies and never follows redirects by itself
    /// (the factory's own CreateClient follows redirects once the server is Kestrel).
    /// </summary>
    public HttpClient CreateBrowserLikeClient()
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        CookieJars.Add(client, cookies);
        return client;
    }

    /// <summary>The Cookie header the client would send (sign-in and antiforgery cookies), for requests written by hand.</summary>
    public static string CookieHeader(HttpClient client) =>
        CookieJars.TryGetValue(client, out var cookies) ? cookies.GetCookieHeader(client.BaseAddress!) : "";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, CookieContainer> CookieJars = new();

    /// <summary>GET the sign-in form, POST it with its antiforgery field; returns the POST's answer.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string userName, string password)
    {
        var form = await client.GetStringAsync("/Account/Login");
        var token = Html.HiddenAntiforgeryField(form);
        return await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
    }

    /// <summary>A client signed in as the given user (the admin by default).</summary>
    public async Task<HttpClient> SignInAsync(string userName = AdminUser, string? password = null)
    {
        var client = CreateBrowserLikeClient();
        using var response = await PostSignInAsync(client, userName, password ?? (userName == AdminUser ? AdminPassword : UserPassword));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"sign-in of {userName} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    /// <summary>Signs in a new user of the role.</summary>
    public Task<HttpClient> SignInAsAsync(string role) =>
        role == Roles.Admin ? SignInAsync() : SignInAsync(CreateUser(role));

    /// <summary>The antiforgery request token of the signed-in session, as site.js reads it from the layout's meta tag.</summary>
    public static async Task<string> RequestTokenAsync(HttpClient client, string path = "/")
    {
        var page = await client.GetStringAsync(path);
        return Html.MetaRequestToken(page);
    }

    /// <summary>A GET as htmx sends it (HX-Request: true).</summary>
    public static async Task<HttpResponseMessage> GetHtmxAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-Current-URL", new Uri(client.BaseAddress!, path).ToString());
        return await client.SendAsync(request);
    }

    /// <summary>Stop Job as the page's button sends it: an htmx POST with the token in the header (or a plain POST when htmx is false).</summary>
    public static async Task<HttpResponseMessage> PostStopAsync(HttpClient client, long jobId, string? token, bool htmx = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Jobs/{jobId}/Stop") { Content = new FormUrlEncodedContent([]) };
        if (htmx) request.Headers.Add("HX-Request", "true");
        if (token is not null) request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        return await client.SendAsync(request);
    }

    // ---------------------------------------------------------------- uploads

    /// <summary>
    /// POSTs a file to the import form exactly as htmx does from the page: multipart/form-data with
    /// the file in the part named "file", the antiforgery token in the RequestVerificationToken
    /// header, and HX-Request: true.
    /// </summary>
    public static async Task<HttpResponseMessage> PostUploadAsync(HttpClient client, long collectionId, string fileName, byte[] content, string? token)
    {
        var body = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".csv" => "text/csv",
            ".json" => "application/json",
            _ => "application/octet-stream",
        });
        body.Add(file, "file", fileName);
        return await PostImportAsync(client, collectionId, body, token);
    }

    /// <summary>POSTs any body to the import form with htmx's headers (and the token, unless null).</summary>
    public static async Task<HttpResponseMessage> PostImportAsync(HttpClient client, long collectionId, HttpContent body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Collections/{collectionId}/Import") { Content = body };
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-Current-URL", new Uri(client.BaseAddress!, $"/Collections/{collectionId}/Import").ToString());
        if (token is not null) request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        return await client.SendAsync(request);
    }

    /// <summary>Uploads a file as the signed-in client and returns the id of the job it created (fails the test if none).</summary>
    public async Task<long> UploadAsync(HttpClient client, long collectionId, string fileName, byte[] content)
    {
        var before = LastJobId(collectionId) ?? 0;
        var token = await RequestTokenAsync(client, $"/Collections/{collectionId}/Import");
        using var response = await PostUploadAsync(client, collectionId, fileName, content, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("HX-Redirect"),
            $"upload of {fileName} answered {(int)response.StatusCode}: {text}");
        Assert.Equal($"/Collections/{collectionId}/Jobs", response.Headers.GetValues("HX-Redirect").Single());
        var after = LastJobId(collectionId);
        Assert.True(after > before, $"the upload of {fileName} created no job");
        return after.Value;
    }

    public Task<long> UploadAsync(HttpClient client, long collectionId, string fileName, string content) =>
        UploadAsync(client, collectionId, fileName, Encoding.UTF8.GetBytes(content));

    /// <summary>The sample file the Import page offers (web/wwwroot/samples/customers.csv).</summary>
    public static string SampleFilePath => Path.Combine(WebRoot, "wwwroot", "samples", "customers.csv");

    public static string WebRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "JobTracker.sln")))
                directory = directory.Parent;
            return directory is null
                ? throw new InvalidOperationException("JobTracker.sln not found above " + AppContext.BaseDirectory)
                : Path.Combine(directory.FullName, "web");
        }
    }

    // ---------------------------------------------------------------- database

    public long CustomersCollectionId => CollectionId("Customers");

    public long CollectionId(string name)
    {
        using var connection = Database.Open();
        return connection.ExecuteScalar<long>("SELECT id FROM collections WHERE name = @name", new { name });
    }

    public long WorkspaceId(string name)
    {
        using var connection = Database.Open();
        return connection.ExecuteScalar<long>("SELECT id FROM workspaces WHERE name = @name", new { name });
    }

    /// <summary>A new collection in Acme Retail with the demo Customers schema (key customerId) unless told otherwise.</summary>
    public long CreateCollection(string? name = null, string? keyField = "customerId", SchemaField[]? schema = null)
    {
        name ??= "Tests " + Guid.NewGuid().ToString("N")[..8];
        using var connection = Database.Open();
        var workspaceId = connection.ExecuteScalar<long>("SELECT id FROM workspaces WHERE name = 'Acme Retail'");
        return connection.ExecuteScalar<long>(
            Database.Provider.InsertReturningId("collections", "workspace_id, name, key_field, schema_json, created_at", "@workspaceId, @name, @keyField, @schema, @now"),
            new { workspaceId, name, keyField, schema = CollectionSchema.Serialize(schema ?? DemoData.CustomersSchema), now = DateTime.UtcNow });
    }

    public long? LastJobId(long collectionId)
    {
        using var connection = Database.Open();
        return connection.ExecuteScalar<long?>("SELECT MAX(id) FROM jobs WHERE collection_id = @collectionId", new { collectionId });
    }

    public JobRow Job(long jobId) => Database.Job(jobId);

    public List<BatchRow> Batches(long jobId) => Database.Batches(jobId);

    public Dictionary<string, (string Data, long Version)> Records(long collectionId) => Database.Records(collectionId);

    public long Count(string table)
    {
        using var connection = Database.Open();
        return connection.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}");
    }

    /// <summary>The files in the storage folder (uploads kept on disk).</summary>
    public string[] StoredFilesOnDisk() =>
        Directory.Exists(Folder.StoragePath) ? Directory.GetFiles(Folder.StoragePath, "*", SearchOption.AllDirectories) : [];

    /// <summary>Waits until a worker has finished the job (any final status) and returns it.</summary>
    public async Task<JobRow> WaitUntilFinishedAsync(long jobId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (true)
        {
            var job = Job(jobId);
            if (job.FinishedAt is not null) return job;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job {jobId} is still {job.Status} after {(timeout ?? Patience).TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the job to finish and asserts its status, showing the reason when it differs.</summary>
    public async Task<JobRow> WaitForStatusAsync(long jobId, string expected)
    {
        var job = await WaitUntilFinishedAsync(jobId);
        Assert.True(job.Status == expected, $"job {jobId} is {job.Status}, expected {expected}; reason: {job.StatusReason}");
        return job;
    }

    /// <summary>
    /// Inserts a job straight into the jobs table (pages that are about listing jobs need no upload).
    /// A finished job gets start/end dates and its counters; an unfinished one stays as given.
    /// </summary>
    public long InsertJob(long collectionId, string status, string fileName = "inserted.csv", string initiatedBy = "tester",
        long? totalRows = 10, long? succeededRows = null, string? leaseOwner = null, DateTime? leaseUntil = null)
    {
        var now = DateTime.UtcNow;
        var finished = Status.IsFinished(status);
        using var connection = Database.Open();
        return connection.ExecuteScalar<long>(Database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, file_format, status, initiated_by, batch_size, created_at, started_at, finished_at, total_rows, succeeded_rows, lease_owner, lease_until",
                "@collectionId, 'Import', @fileName, 'Csv', @status, @initiatedBy, 20, @now, @startedAt, @finishedAt, @totalRows, @succeeded, @leaseOwner, @leaseUntil"),
            new
            {
                collectionId,
                fileName,
                status,
                initiatedBy,
                now,
                startedAt = status == Status.Queued ? (DateTime?)null : now,
                finishedAt = finished ? now : (DateTime?)null,
                totalRows = status == Status.Queued ? null : totalRows,
                succeeded = succeededRows ?? (status == Status.Completed ? totalRows ?? 0 : 0),
                leaseOwner,
                leaseUntil,
            });
    }

    /// <summary>
    /// An IN PROGRESS job held by a live worker of another process (lease an hour ahead): no worker
    /// here may take it, and every later job of the collection waits behind it, QUEUED, until it is stopped.
    /// </summary>
    public long InsertBlockingJob(long collectionId) =>
        InsertJob(collectionId, Status.InProgress, "held-elsewhere.csv", "another node", totalRows: null,
            leaseOwner: "another-node/0", leaseUntil: DateTime.UtcNow.AddHours(1));

    /// <summary>Stops a job through the engine (as Stop Job does), for setting up a scenario.</summary>
    public Task<bool> StopJobAsync(long jobId) =>
        Services.GetRequiredService<JobStopper>().StopAsync(jobId, "test setup");

    /// <summary>The audit log of a job as the engine writes it, parsed (header first).</summary>
    public async Task<List<string[]>> AuditRowsAsync(long jobId)
    {
        var output = new MemoryStream();
        await Services.GetRequiredService<AuditLog>().WriteCsvAsync(jobId, output);
        return Csv.Parse(Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF'));
    }
}
