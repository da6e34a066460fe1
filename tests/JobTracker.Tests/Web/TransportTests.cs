using System.Net;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Two apps: behind a proxy that terminates TLS (JobTracker:Https:Enabled and
/// JobTracker:ForwardedHeaders:Enabled with the default known proxy, loopback, where the test client
/// connects from), and the same with another machine as the only known proxy.
/// </summary>
public sealed class TransportFixture : IAsyncLifetime
{
    public JobTrackerApp BehindProxy { get; } = new()
    {
        RunWorkers = false,
        Settings = new Dictionary<string, string>
        {
            ["JobTracker:Https:Enabled"] = "true",
            ["JobTracker:Https:Port"] = "443",
            ["JobTracker:Https:HstsMaxAgeDays"] = "30",
            ["JobTracker:ForwardedHeaders:Enabled"] = "true",
        },
    };

    /// <summary>The only known proxy is another machine: the test client's forwarded headers are not believed.</summary>
    public JobTrackerApp OtherProxy { get; } = new()
    {
        RunWorkers = false,
        Settings = new Dictionary<string, string>
        {
            ["JobTracker:Https:Enabled"] = "true",
            ["JobTracker:Https:Port"] = "443",
            ["JobTracker:ForwardedHeaders:Enabled"] = "true",
            ["JobTracker:ForwardedHeaders:KnownProxies"] = "192.0.2.10",
        },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await BehindProxy.DisposeAsync();
        await OtherProxy.DisposeAsync();
    }
}

/// <summary>
/// TLS and proxies over real HTTP. The proxy is played by the test, which sends X-Forwarded-Proto
/// and X-Forwarded-For itself. HSTS is never sent for localhost names, so the requests name the host
/// jobtracker.example.
/// </summary>
public sealed class TransportTests(TransportFixture fixture) : IClassFixture<TransportFixture>
{
    private const string Host = "jobtracker.example";

    private JobTrackerApp BehindProxy => fixture.BehindProxy;

    private JobTrackerApp OtherProxy => fixture.OtherProxy;

    [Fact]
    public async Task A_plain_http_request_is_redirected_to_https()
    {
        using var client = Client(BehindProxy);
        using var response = await client.SendAsync(Request(HttpMethod.Get, "/Account/Login?ReturnUrl=%2F", forwardedProto: null));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal($"https://{Host}/Account/Login?ReturnUrl=%2F", response.Headers.Location!.ToString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is for HTTPS answers only");
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task Over_https_from_the_proxy_the_answer_has_hsts_and_the_antiforgery_and_sign_in_cookies_are_secure()
    {
        using var client = Client(BehindProxy);
        using var form = await client.SendAsync(Request(HttpMethod.Get, "/Account/Login"));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal("max-age=2592000", form.Headers.GetValues("Strict-Transport-Security").Single());
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        using var signIn = Request(HttpMethod.Post, "/Account/Login");
        signIn.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        signIn.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = JobTrackerApp.AdminUser,
            ["Input.Password"] = JobTrackerApp.AdminPassword,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(await form.Content.ReadAsStringAsync()),
        });
        using var signedIn = await client.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("JobTracker.SignIn=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);

        // The secure cookie opens the pages over (forwarded) HTTPS, with HSTS on the page and on its 404 page.
        using var home = Request(HttpMethod.Get, "/");
        home.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var page = await client.SendAsync(home);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-testid=\"signed-in-user\"", await page.Content.ReadAsStringAsync());
        Assert.True(page.Headers.Contains("Strict-Transport-Security"));
        using var missing = Request(HttpMethod.Get, "/no/such/page");
        missing.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var notFound = await client.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.True(notFound.Headers.Contains("Strict-Transport-Security"));
        Assert.True(notFound.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task Forwarded_headers_from_an_address_that_is_not_a_known_proxy_are_ignored()
    {
        using var client = Client(OtherProxy);
        using var response = await client.SendAsync(Request(HttpMethod.Get, "/Account/Login"));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal($"https://{Host}/Account/Login", response.Headers.Location!.ToString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    /// <summary>A client that handles cookies by hand: a cookie jar would not send Secure cookies over the test's plain http.</summary>
    private static HttpClient Client(JobTrackerApp app) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };

    /// <summary>A request as the proxy passes it on: for Host, with X-Forwarded-Proto (https unless null) and X-Forwarded-For.</summary>
    private static HttpRequestMessage Request(HttpMethod method, string path, string? forwardedProto = "https")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = Host;
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return request;
    }
}
