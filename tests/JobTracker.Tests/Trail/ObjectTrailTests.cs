using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Schedules;
using JobTracker.Jobs.Webhooks;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// Each change of a webhook endpoint, a collection or a schedule, through its page's form or the API over real HTTP,
/// leaves exactly one activity entry with the admin as actor, "console" or "API token &lt;name&gt;", the action, the
/// object, the job it queued (Run now), the detail and the client's address.
/// </summary>
public sealed class ObjectTrailTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    /// <summary>Nothing listens there: deliveries to it fail, which the trail does not care about.</summary>
    private const string Nowhere = "http://127.0.0.1:9/trail-hook";

    public static TheoryData<string> Actions =>
    [
        "page: create webhook endpoint", "page: delete webhook endpoint", "page: redeliver webhook",
        "page: create collection", "page: edit collection",
        "page: edit schedule", "page: resume schedule", "page: run schedule now",
        "api: edit schedule", "api: resume schedule", "api: run schedule now",
    ];

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_change_leaves_exactly_one_entry_with_its_actor_object_and_address(string action)
    {
        using var trail = await TrailAdmin.SignInAsync(app);
        var (admin, api) = (trail.Pages, trail.Api);
        var collectionId = app.CreateCollection();
        var scheduleName = "Trail " + Guid.NewGuid().ToString("N")[..6];
        var throughApi = action.StartsWith("api:", StringComparison.Ordinal);
        TrailEntry By(string what, string kind, long? id, string? label, long? job = null, string? detail = null) =>
            trail.Entry(throughApi, what, kind, id, label, job, detail);

        // What the action needs, before the mark: only the action itself counts.
        long endpointId = 0, deliveryId = 0, scheduleId = 0;
        if (action.Contains("delete webhook", StringComparison.Ordinal) || action.Contains("redeliver", StringComparison.Ordinal))
            endpointId = (await app.Services.GetRequiredService<WebhookAdministration>().AddAsync(Nowhere, null, WebhookEvents.All, "test setup")).Id;
        if (action.Contains("redeliver", StringComparison.Ordinal))
        {
            Assert.True(await app.Services.GetRequiredService<WebhookOutbox>().RecordTestAsync(endpointId, "test setup", DateTime.UtcNow));
            using var connection = app.Database.Open();
            deliveryId = connection.ExecuteScalar<long>("SELECT MAX(id) FROM webhook_deliveries WHERE endpoint_id = @endpointId", new { endpointId });
        }
        if (action.EndsWith(" schedule", StringComparison.Ordinal) || action.EndsWith("schedule now", StringComparison.Ordinal))
        {
            var editor = app.Services.GetRequiredService<ScheduleEditor>();
            scheduleId = (await editor.SaveAsync(collectionId, null, new ScheduleSettings(scheduleName, TrailRequests.FarCron, "UTC", "trail-{yyyyMMdd}", 10, true),
                "test setup", DateTime.UtcNow)).Id;
            if (action.Contains("resume", StringComparison.Ordinal)) await editor.PauseAsync(collectionId, scheduleId, "test setup");
        }
        long? editedCollection = action == "page: edit collection" ? app.CreateCollection(keyField: null, schema: []) : null;

        var mark = ActivityRow.Mark(app);
        TrailEntry expected;
        switch (action)
        {
            case "page: create webhook endpoint":
            {
                var form = await admin.GetStringAsync("/Webhooks");
                using var response = await admin.PostAsync("/Webhooks?handler=Add", new FormUrlEncodedContent(
                [
                    new("url", Nowhere), new("secret", ""), new("events", WebhookEvents.JobFinished), new("events", WebhookEvents.ScheduleMissed),
                    new("__RequestVerificationToken", Html.HiddenAntiforgeryField(form)),
                ]));
                var added = await response.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var id = long.Parse(Html.Attribute(Html.Tags(added, "webhook-added-link").Single(), "href")!.Split('/')[^1], CultureInfo.InvariantCulture);
                expected = By(ActivityActions.WebhookCreate, ActivityObjects.Webhook, id, Nowhere, detail: $"{WebhookEvents.JobFinished},{WebhookEvents.ScheduleMissed}");
                break;
            }
            case "page: delete webhook endpoint":
            {
                using var response = await TrailRequests.PostFormAsync(admin, $"/Webhooks/{endpointId}", "Remove");
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                expected = By(ActivityActions.WebhookDelete, ActivityObjects.Webhook, endpointId, Nowhere);
                break;
            }
            case "page: redeliver webhook":
            {
                using var response = await TrailRequests.PostFormAsync(admin, $"/Webhooks/{endpointId}", "Redeliver",
                    new() { ["deliveryId"] = deliveryId.ToString(CultureInfo.InvariantCulture) });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                expected = By(ActivityActions.WebhookRedeliver, ActivityObjects.Webhook, endpointId, Nowhere, detail: $"delivery {deliveryId}");
                break;
            }
            case "page: create collection":
            {
                var name = "Trail " + Guid.NewGuid().ToString("N")[..6];
                var workspaceId = app.WorkspaceId("Acme Retail");
                await TrailRequests.PostFormRedirectAsync(admin, $"/Workspaces/{workspaceId}/Collections/New", new() { ["Input.Name"] = name, ["Input.KeyField"] = "" });
                expected = By(ActivityActions.CollectionCreate, ActivityObjects.Collection, app.CollectionId(name), name);
                break;
            }
            case "page: edit collection":
            {
                var name = "Renamed " + Guid.NewGuid().ToString("N")[..6];
                await TrailRequests.PostFormRedirectAsync(admin, $"/Collections/{editedCollection}/Edit", new() { ["Input.Name"] = name, ["Input.KeyField"] = "" });
                expected = By(ActivityActions.CollectionEdit, ActivityObjects.Collection, editedCollection, name);
                break;
            }
            case "page: edit schedule":
            {
                await TrailRequests.PostFormRedirectAsync(admin, $"/Collections/{collectionId}/Schedules/Edit/{scheduleId}", new()
                {
                    ["Input.Name"] = scheduleName, ["Input.Cron"] = "0 30 3 1 JAN ? 2099", ["Input.TimeZone"] = "Europe/Lisbon",
                    ["Input.NamePattern"] = "trail-{yyyy}", ["Input.RecordsPerFile"] = "7", ["Input.Enabled"] = "true",
                });
                expected = By(ActivityActions.ScheduleEdit, ActivityObjects.Schedule, scheduleId, scheduleName, detail: "0 30 3 1 JAN ? 2099 in Europe/Lisbon");
                break;
            }
            case "page: resume schedule":
                await PostScheduleButtonAsync(admin, collectionId, scheduleId, "Resume");
                expected = By(ActivityActions.ScheduleResume, ActivityObjects.Schedule, scheduleId, scheduleName);
                break;
            case "page: run schedule now":
            {
                await PostScheduleButtonAsync(admin, collectionId, scheduleId, "RunNow");
                var job = app.Job(app.LastJobId(collectionId)!.Value);
                Assert.Equal(scheduleId, job.ScheduleId);
                expected = By(ActivityActions.ScheduleRunNow, ActivityObjects.Job, job.Id, job.ExportName, job.Id, $"Run now by {JobTrackerApp.AdminUser}.");
                break;
            }
            case "api: edit schedule":
            {
                using var edited = await api.PutAsJsonAsync($"/api/v1/collections/{collectionId}/schedules/{scheduleId}", new { cron = "0 15 4 2 FEB ? 2099", timeZone = "Europe/Berlin" });
                await ApiFixture.ReadAsync(edited, HttpStatusCode.OK);
                expected = By(ActivityActions.ScheduleEdit, ActivityObjects.Schedule, scheduleId, scheduleName, detail: "0 15 4 2 FEB ? 2099 in Europe/Berlin");
                break;
            }
            case "api: resume schedule":
                await ApiFixture.ReadAsync(await api.PostAsync($"/api/v1/collections/{collectionId}/schedules/{scheduleId}/resume", null), HttpStatusCode.OK);
                expected = By(ActivityActions.ScheduleResume, ActivityObjects.Schedule, scheduleId, scheduleName);
                break;
            case "api: run schedule now":
            {
                using var run = await api.PostAsync($"/api/v1/collections/{collectionId}/schedules/{scheduleId}/run", null);
                var job = app.Job((await ApiFixture.ReadAsync(run, HttpStatusCode.Accepted)).GetProperty("id").GetInt64());
                Assert.Equal(scheduleId, job.ScheduleId);
                expected = By(ActivityActions.ScheduleRunNow, ActivityObjects.Job, job.Id, job.ExportName, job.Id, $"Run now by {JobTrackerApp.AdminUser}.");
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "no such case");
        }
        expected.AssertOnlyEntryAfter(app, mark);
    }

    /// <summary>A button of the Schedules page, as htmx posts it (token in the header), answered with the redirect to the page.</summary>
    private static async Task PostScheduleButtonAsync(HttpClient client, long collectionId, long scheduleId, string handler)
    {
        var token = await JobTrackerApp.RequestTokenAsync(client, $"/Collections/{collectionId}/Schedules");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/Collections/{collectionId}/Schedules/Edit/{scheduleId}?handler={handler}")
        {
            Content = new FormUrlEncodedContent([]),
        };
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Collections/{collectionId}/Schedules", response.Headers.Location!.OriginalString);
    }
}
