using System.Net;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Webhooks;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Webhooks end to end: an admin registers an endpoint on the Webhooks page, the app posts signed JSON to a real
/// receiver on a local port (<see cref="WebhookReceiver"/>) when jobs finish or fail, retries after a 500 with the
/// test's short backoff, and redelivers or sends a test event from the endpoint's page. Only admins see the page.
/// </summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private readonly JobTrackerApp app = new()
    {
        Settings = new Dictionary<string, string>
        {
            ["JobTracker:Webhooks:PollInterval"] = "00:00:00.200",
            ["JobTracker:Webhooks:Backoff:0"] = "00:00:01",
            ["JobTracker:Webhooks:Timeout"] = "00:00:05",
            ["JobTracker:Webhooks:MaxAttempts"] = "3",
            ["JobTracker:Webhooks:PublicUrl"] = "https://jobs.example.com/",
        },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await app.DisposeAsync();

    /// <summary>Adds an endpoint through the page's form; returns its id and the secret the page showed once.</summary>
    private static async Task<(long Id, string Secret, string Page)> AddEndpointAsync(HttpClient admin, string url, string? secret, params string[] events)
    {
        var form = await admin.GetStringAsync("/Webhooks");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("url", url),
            new("secret", secret ?? ""),
            new("__RequestVerificationToken", Html.HiddenAntiforgeryField(form)),
        };
        fields.AddRange(events.Select(e => new KeyValuePair<string, string>("events", e)));
        using var response = await admin.PostAsync("/Webhooks?handler=Add", new FormUrlEncodedContent(fields));
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var link = Html.Attribute(Html.Tags(page, "webhook-added-link").Single(), "href")!;
        return (long.Parse(link.Split('/').Last()), Html.Text(page, "webhook-secret")!, page);
    }

    private static async Task<HttpResponseMessage> PostOnEndpointPageAsync(HttpClient admin, long endpointId, string handler, params (string, string)[] fields)
    {
        var page = await admin.GetStringAsync($"/Webhooks/{endpointId}");
        var body = fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))
            .Append(new("__RequestVerificationToken", Html.HiddenAntiforgeryField(page)));
        return await admin.PostAsync($"/Webhooks/{endpointId}?handler={handler}", new FormUrlEncodedContent(body));
    }

    private static void AssertSigned(WebhookReceiver.Received request, string secret)
    {
        Assert.Matches(@"^t=\d+,v1=[0-9a-f]{64}$", request.Signature);
        // Verified here by hand, as the README tells a receiver to: HMAC-SHA256 of "<t>.<body>" with the secret.
        var t = request.Signature.Split(',')[0][2..];
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(t + "." + request.Body)));
        Assert.Equal("t=" + t + ",v1=" + expected, request.Signature);
        Assert.InRange(long.Parse(t), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.True(WebhookSignature.Verify(secret, request.Signature, request.Body));
        Assert.False(WebhookSignature.Verify(secret + "x", request.Signature, request.Body));
        Assert.False(WebhookSignature.Verify(secret, request.Signature, request.Body + " "));
    }

    [Fact]
    public async Task A_finished_import_delivers_a_signed_job_finished_retried_after_a_500_and_logged_on_the_page()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        using var admin = await app.SignInAsync();
        var (endpointId, secret, added) = await AddEndpointAsync(admin, receiver.Url, null, WebhookEvents.JobFinished, WebhookEvents.JobFailed);
        Assert.StartsWith("whsec_", secret);
        // The secret is shown this once: the list and the endpoint's page never show it again.
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/Webhooks"));
        Assert.DoesNotContain(secret, await admin.GetStringAsync($"/Webhooks/{endpointId}"));

        var collection = app.CreateCollection();
        var jobId = await app.UploadAsync(admin, collection, "customers.csv", await File.ReadAllBytesAsync(JobTrackerApp.SampleFilePath));
        Assert.Equal(Status.Completed, (await app.WaitUntilFinishedAsync(jobId)).Status);

        var both = await receiver.WaitForAsync(2);
        Assert.Equal([500, 200], both.Select(r => r.Answered));
        Assert.Equal(both[0].Delivery, both[1].Delivery);
        Assert.Equal(both[0].Body, both[1].Body);
        foreach (var request in both)
        {
            Assert.Equal(WebhookEvents.JobFinished, request.Event);
            Assert.StartsWith("application/json", request.ContentType);
            AssertSigned(request, secret);
        }
        using (var body = JsonDocument.Parse(both[1].Body))
        {
            var root = body.RootElement;
            Assert.Equal("job.finished", root.GetProperty("event").GetString());
            Assert.Equal(jobId, root.GetProperty("jobId").GetInt64());
            Assert.Equal("COMPLETED", root.GetProperty("status").GetString());
            Assert.Equal("Import", root.GetProperty("jobType").GetString(), ignoreCase: true);
            Assert.Equal("Acme Retail", root.GetProperty("workspace").GetString());
            Assert.Equal(50, root.GetProperty("rows").GetProperty("succeeded").GetInt64());
            Assert.Equal($"https://jobs.example.com/Jobs/{jobId}", root.GetProperty("links").GetProperty("page").GetString());
            Assert.True(root.GetProperty("occurredAt").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
        }
        Assert.DoesNotContain(receiver.All, r => r.Event == WebhookEvents.JobFailed);

        // The log says it took two attempts and was delivered with 200.
        var log = await WaitForStateAsync(admin, endpointId, "DELIVERED");
        Assert.Equal(["2"], Html.Texts(log, "delivery-attempts"));
        Assert.Equal(["200"], Html.Texts(log, "delivery-status-code"));
        Assert.Equal([WebhookEvents.JobFinished], Html.Texts(log, "delivery-event"));
    }

    [Fact]
    public async Task Redeliver_and_Send_test_event_on_the_endpoint_page_send_again_and_a_dead_endpoint_ends_FAILED()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var admin = await app.SignInAsync();
        const string secret = "typed-secret-of-the-receiver";
        var (endpointId, shown, _) = await AddEndpointAsync(admin, receiver.Url, secret, WebhookEvents.JobFinished);
        Assert.Equal(secret, shown);

        using (var test = await PostOnEndpointPageAsync(admin, endpointId, "Test"))
        {
            Assert.Equal(HttpStatusCode.OK, test.StatusCode);
            Assert.Contains("A test event is queued", await test.Content.ReadAsStringAsync());
        }
        var first = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal(WebhookEvents.Test, first.Event);
        AssertSigned(first, secret);
        await WaitForStateAsync(admin, endpointId, "DELIVERED");

        using (var redeliver = await PostOnEndpointPageAsync(admin, endpointId, "Redeliver", ("deliveryId", first.Delivery)))
            Assert.Equal(HttpStatusCode.OK, redeliver.StatusCode);
        var again = await receiver.WaitForAsync(2);
        Assert.Equal(first.Delivery, again[1].Delivery);
        Assert.Equal(first.Body, again[1].Body);
        AssertSigned(again[1], secret);
        await WaitForStateAsync(admin, endpointId, "DELIVERED");

        // Another endpoint's delivery cannot be redelivered through this one's page.
        var token = Html.HiddenAntiforgeryField(await admin.GetStringAsync($"/Webhooks/{endpointId}"));
        using (var other = await admin.PostAsync($"/Webhooks/{endpointId + 1000}?handler=Redeliver", new FormUrlEncodedContent(
                   new Dictionary<string, string> { ["deliveryId"] = first.Delivery, ["__RequestVerificationToken"] = token })))
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        // An endpoint that never answers: three attempts (MaxAttempts), then FAILED, with the error in words.
        var (deadId, _, _) = await AddEndpointAsync(admin, "http://127.0.0.1:9/hook", null, WebhookEvents.JobFinished);
        using (var test = await PostOnEndpointPageAsync(admin, deadId, "Test"))
            Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        var dead = await WaitForStateAsync(admin, deadId, "FAILED");
        Assert.Equal(["3"], Html.Texts(dead, "delivery-attempts"));
        Assert.Equal(["Could not connect to the endpoint."], Html.Texts(dead, "delivery-error"));
    }

    [Fact]
    public async Task A_failed_import_sends_job_failed_and_job_finished_to_the_endpoints_that_asked_for_them()
    {
        await using var failures = await WebhookReceiver.StartAsync();
        await using var everything = await WebhookReceiver.StartAsync();
        using var admin = await app.SignInAsync();
        var (_, failuresSecret, _) = await AddEndpointAsync(admin, failures.Url, null, WebhookEvents.JobFailed);
        await AddEndpointAsync(admin, everything.Url, null, WebhookEvents.JobFinished, WebhookEvents.JobFailed);

        var collection = app.CreateCollection();
        var jobId = await app.UploadAsync(admin, collection, "bad.csv", "customerId,name,amount\nA,Ann,x\nB,Bee,y\n");
        Assert.Equal(Status.Failed, (await app.WaitUntilFinishedAsync(jobId)).Status);

        var failed = Assert.Single(await failures.WaitForAsync(1));
        Assert.Equal(WebhookEvents.JobFailed, failed.Event);
        AssertSigned(failed, failuresSecret);
        using (var body = JsonDocument.Parse(failed.Body))
        {
            Assert.Equal(jobId, body.RootElement.GetProperty("jobId").GetInt64());
            Assert.Equal("FAILED", body.RootElement.GetProperty("status").GetString());
            Assert.Contains("Every row failed", body.RootElement.GetProperty("reason").GetString());
            Assert.Equal(2, body.RootElement.GetProperty("rows").GetProperty("failed").GetInt64());
        }
        var both = await everything.WaitForAsync(2);
        Assert.Equal([WebhookEvents.JobFailed, WebhookEvents.JobFinished], both.Select(r => r.Event).Order());
        await Task.Delay(1000);
        Assert.Single(failures.All);
        Assert.Equal(2, everything.All.Count);
    }

    [Fact]
    public async Task Only_admins_see_the_Webhooks_page_and_a_wrong_form_is_refused_in_words()
    {
        foreach (var role in new[] { Roles.Support, Roles.Viewer })
        {
            using var user = await app.SignInAsAsync(role);
            using var denied = await user.GetAsync("/Webhooks");
            Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
            Assert.Equal("/Account/AccessDenied", denied.Headers.Location!.AbsolutePath);
            Assert.DoesNotContain("webhooks-link", await user.GetStringAsync("/Workspaces"));
        }
        using var admin = await app.SignInAsync();
        Assert.Contains("data-testid=\"webhooks-link\"", await admin.GetStringAsync("/Workspaces"));

        var form = await admin.GetStringAsync("/Webhooks");
        using var refused = await admin.PostAsync("/Webhooks?handler=Add", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["url"] = "ftp://example.com/hook",
            ["secret"] = "short",
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        }));
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Enter the endpoint&#x27;s full address, starting with http:// or https://.", page);
        Assert.Contains("A secret needs 16 to 200 characters", page);
        Assert.Contains("Choose at least one event.", page);
        Assert.Equal(0, app.Count("webhook_endpoints"));
    }

    /// <summary>The endpoint's page once its newest delivery is in <paramref name="state"/>.</summary>
    private static async Task<string> WaitForStateAsync(HttpClient admin, long endpointId, string state)
    {
        var until = DateTime.UtcNow + JobTrackerApp.Patience;
        while (true)
        {
            var page = await admin.GetStringAsync($"/Webhooks/{endpointId}");
            var states = Html.Texts(page, "delivery-state");
            if (states.Count > 0 && states[0] == state) return page;
            if (DateTime.UtcNow > until) throw new TimeoutException($"delivery states {string.Join(", ", states)}, waited for {state}");
            await Task.Delay(200);
        }
    }
}
