using System.Net.Http.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Api;

/// <summary>
/// The console's roles, through API tokens, endpoint by endpoint: every role reads, admins and support staff
/// download, only admins change anything. A refused call is a 403 problem and changes nothing; a call
/// without a token is a 401 problem with WWW-Authenticate: Bearer.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiRoleTests(ApiFixture fixture)
{
    /// <summary>An endpoint and the least role that may call it; Prepare makes its target and returns the call.</summary>
    private sealed record Case(string MinimumRole, Func<ApiFixture, Task<Func<HttpClient, Task<HttpResponseMessage>>>> Prepare);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["list workspaces"] = Read(_ => "/api/v1/workspaces"),
        ["get workspace"] = Read(f => $"/api/v1/workspaces/{f.App.WorkspaceId("Acme Retail")}"),
        ["get collection"] = Read(f => $"/api/v1/collections/{f.CollectionId}"),
        ["list jobs"] = Read(f => $"/api/v1/collections/{f.CollectionId}/jobs"),
        ["get job"] = Read(f => $"/api/v1/jobs/{f.ImportJobId}"),
        ["list schedules"] = Read(f => $"/api/v1/collections/{f.CollectionId}/schedules"),
        ["get schedule"] = new(Roles.Viewer, async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f)}";
            return c => c.GetAsync(url);
        }),
        ["openapi document"] = Read(_ => "/api/v1/openapi.json"),
        ["audit log"] = Download(f => $"/api/v1/jobs/{f.ImportJobId}/audit-log"),
        ["original file"] = Download(f => $"/api/v1/jobs/{f.ImportJobId}/file"),
        ["batch file"] = Download(f => $"/api/v1/jobs/{f.ExportJobId}/batches/0/file"),
        ["export archive"] = Download(f => $"/api/v1/jobs/{f.ExportJobId}/archive"),
        ["import"] = Change(f => Task.FromResult<Func<HttpClient, Task<HttpResponseMessage>>>(
            c => ApiFixture.PostImportAsync(c, f.CollectionId, "roles.csv", "customerId,name\nR1,x\n"))),
        ["export"] = Change(f => Task.FromResult<Func<HttpClient, Task<HttpResponseMessage>>>(
            c => c.PostAsJsonAsync($"/api/v1/collections/{f.CollectionId}/exports", new { exportName = "roles" }))),
        ["stop"] = Change(f =>
        {
            var url = $"/api/v1/jobs/{f.App.InsertBlockingJob(f.App.CreateCollection())}/stop";
            return Task.FromResult<Func<HttpClient, Task<HttpResponseMessage>>>(c => c.PostAsync(url, null));
        }),
        ["create schedule"] = Change(f => Task.FromResult<Func<HttpClient, Task<HttpResponseMessage>>>(
            c => c.PostAsJsonAsync($"/api/v1/collections/{f.CollectionId}/schedules", new { name = "roles " + Guid.NewGuid().ToString("N")[..8] }))),
        ["edit schedule"] = Change(async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f)}";
            return c => c.PutAsJsonAsync(url, new { cron = "0 30 3 * * ?" });
        }),
        ["pause schedule"] = Change(async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f)}/pause";
            return c => c.PostAsync(url, null);
        }),
        ["resume schedule"] = Change(async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f, enabled: false)}/resume";
            return c => c.PostAsync(url, null);
        }),
        ["run schedule now"] = Change(async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f)}/run";
            return c => c.PostAsync(url, null);
        }),
        ["delete schedule"] = Change(async f =>
        {
            var url = $"/api/v1/collections/{f.CollectionId}/schedules/{await NewScheduleAsync(f)}";
            return c => c.DeleteAsync(url);
        }),
    };

    private static Case Get(string role, Func<ApiFixture, string> url) =>
        new(role, f =>
        {
            var target = url(f);
            return Task.FromResult<Func<HttpClient, Task<HttpResponseMessage>>>(c => c.GetAsync(target));
        });

    private static Case Read(Func<ApiFixture, string> url) => Get(Roles.Viewer, url);

    private static Case Download(Func<ApiFixture, string> url) => Get(Roles.Support, url);

    private static Case Change(Func<ApiFixture, Task<Func<HttpClient, Task<HttpResponseMessage>>>> prepare) => new(Roles.Admin, prepare);

    private static readonly string[] Ranked = [Roles.Viewer, Roles.Support, Roles.Admin];

    public static TheoryData<string, string> CasesAndRoles()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
            foreach (var role in Ranked)
                data.Add(name, role);
        return data;
    }

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CasesAndRoles))]
    public async Task Each_role_is_allowed_or_refused_as_in_the_console(string endpoint, string role)
    {
        var call = Cases[endpoint];
        var allowed = Array.IndexOf(Ranked, role) >= Array.IndexOf(Ranked, call.MinimumRole);
        using var client = fixture.Client(role);
        var send = await call.Prepare(fixture);
        var before = Snapshot();

        using var response = await send(client);

        if (allowed)
        {
            Assert.True(response.IsSuccessStatusCode, $"{role} {endpoint}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        else
        {
            var problem = await ApiFixture.AssertProblemAsync(response, StatusCodes.Status403Forbidden, $"The role {role} may not do this");
            Assert.Contains(call.MinimumRole == Roles.Admin ? "only admins" : "only admins and support staff", problem.GetProperty("detail").GetString());
            Assert.Equal(before, Snapshot());
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Without_a_token_every_endpoint_answers_401_with_a_bearer_challenge(string endpoint)
    {
        using var client = fixture.Client(null);
        var send = await Cases[endpoint].Prepare(fixture);
        var before = Snapshot();

        using var response = await send(client);

        await ApiFixture.AssertProblemAsync(response, StatusCodes.Status401Unauthorized, "Authorization: Bearer");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>What a refused call must leave as it was: the jobs, and every schedule as stored (an unfinished job's status too).</summary>
    private string Snapshot()
    {
        using var connection = fixture.App.Database.Open();
        var jobs = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM jobs");
        var canceled = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM jobs WHERE status = @Canceled", new { Status.Canceled });
        var schedules = connection.Query<ScheduleRow>($"SELECT {ScheduleRow.Columns} FROM export_schedules ORDER BY id")
            .Select(s => $"{s.Id}|{s.Name}|{s.Cron}|{s.Enabled}|{s.NextFireAt:O}");
        return $"{jobs} jobs, {canceled} canceled; schedules: {string.Join("; ", schedules)}";
    }

    /// <summary>A schedule of the fixture's collection, saved through the engine; returns its id.</summary>
    private static async Task<long> NewScheduleAsync(ApiFixture fixture, bool enabled = true)
    {
        var editor = fixture.App.Services.GetRequiredService<ScheduleEditor>();
        var saved = await editor.SaveAsync(fixture.CollectionId, null,
            new ScheduleSettings("roles " + Guid.NewGuid().ToString("N")[..8], "0 0 2 * * ?", "UTC", "roles-{yyyyMMdd}", 100, enabled), "test setup", DateTime.UtcNow);
        return saved.Id;
    }
}
