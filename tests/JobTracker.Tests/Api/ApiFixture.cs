using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Api;

/// <summary>The API test classes share one app (real Kestrel port, workers running); each test makes what it changes.</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "REST API";
}

/// <summary>
/// One app with a token for a user of each role, a collection with one finished import (uploaded by the
/// admin through the API), a finished export of it, and HttpClients that send a token the way a script does.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string ImportedCsv = "customerId,name\nA1,Ada\nA2,Grace\nA3,Edsger\n";

    public JobTrackerApp App { get; } = new() { BatchSize = 2 };

    public Dictionary<string, string> Tokens { get; } = [];

    public long CollectionId { get; private set; }

    public long ImportJobId { get; private set; }

    public long ExportJobId { get; private set; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task InitializeAsync()
    {
        foreach (var role in Roles.All)
            Tokens[role] = await CreateTokenAsync(role == Roles.Admin ? JobTrackerApp.AdminUser : App.CreateUser(role));
        CollectionId = App.CreateCollection();
        using var admin = Client(Roles.Admin);
        ImportJobId = await ImportAsync(admin, CollectionId, "fixture.csv", ImportedCsv);
        await WaitForJobAsync(admin, ImportJobId);
        using var export = await admin.PostAsJsonAsync($"/api/v1/collections/{CollectionId}/exports", new { exportName = "fixture-export", recordsPerFile = 2 });
        ExportJobId = (await ReadAsync(export, System.Net.HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        await WaitForJobAsync(admin, ExportJobId);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>A new token of the user, made through the engine as the API tokens page makes one; returns its secret.</summary>
    public Task<string> CreateTokenAsync(string userName) => CreateTokenAsync(App, userName);

    /// <summary>A new token of a user of <paramref name="app"/>, made through the engine; returns its secret.</summary>
    public static async Task<string> CreateTokenAsync(JobTrackerApp app, string userName) =>
        (await app.Services.GetRequiredService<ApiTokens>().CreateAsync(UserId(app, userName), "tests " + Guid.NewGuid().ToString("N")[..8])).Secret;

    public long UserId(string userName) => UserId(App, userName);

    public static long UserId(JobTrackerApp app, string userName)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long>("SELECT id FROM users WHERE user_name = @userName", new { userName });
    }

    /// <summary>A client for the role's token (or for any secret, when <paramref name="roleOrSecret"/> is not a role; none for null).</summary>
    public HttpClient Client(string? roleOrSecret) =>
        Client(App, roleOrSecret is null ? null : Tokens.GetValueOrDefault(roleOrSecret, roleOrSecret));

    /// <summary>A client of <paramref name="app"/> that sends the token (none for null).</summary>
    public static HttpClient Client(JobTrackerApp app, string? secret)
    {
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (secret is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>POSTs a file to the import endpoint as curl -F file=@name does; returns the response.</summary>
    public static Task<HttpResponseMessage> PostImportAsync(HttpClient client, long collectionId, string fileName, string content, bool validateOnly = false)
    {
        var body = new MultipartFormDataContent();
        if (validateOnly) body.Add(new StringContent("true"), "validate_only");
        body.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(content)), "file", fileName);
        return client.PostAsync($"/api/v1/collections/{collectionId}/imports", body);
    }

    /// <summary>Imports through the API and returns the new job's id (202 Accepted, Location the job's URL).</summary>
    public static async Task<long> ImportAsync(HttpClient client, long collectionId, string fileName, string content)
    {
        using var response = await PostImportAsync(client, collectionId, fileName, content);
        var job = await ReadAsync(response, System.Net.HttpStatusCode.Accepted);
        var id = job.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(Status.Queued, job.GetProperty("status").GetString());
        return id;
    }

    /// <summary>Polls GET /api/v1/jobs/{id} until the job has finished; returns the job object.</summary>
    public static async Task<JsonElement> WaitForJobAsync(HttpClient client, long jobId)
    {
        var deadline = DateTime.UtcNow + JobTrackerApp.Patience;
        while (true)
        {
            var job = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{jobId}")).GetProperty("job");
            if (job.GetProperty("finishedAt").ValueKind != JsonValueKind.Null) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId} is still {job.GetProperty("status")}");
            await Task.Delay(100);
        }
    }

    /// <summary>The response's JSON, after asserting its status (the body is shown when it differs).</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<JsonElement>(text, Json);
    }

    /// <summary>Asserts an RFC 9457 problem: the status, application/problem+json, a title and a detail that says <paramref name="detailPart"/>.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string? detailPart = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(text, Json);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        // "type" is the status code's section of RFC 9110 where the framework knows one (absent means about:blank).
        if (problem.TryGetProperty("type", out var type)) Assert.StartsWith("https://", type.GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (detailPart is not null) Assert.Contains(detailPart, detail);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("/work/", text);
        return problem;
    }
}
