using System.Net;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;

namespace JobTracker.Tests.Web;

/// <summary>
/// The security headers on every kind of answer, over real HTTP; and without TLS or proxy settings,
/// nothing of HTTPS happens (no redirect, no HSTS, no Secure cookie, forwarded headers ignored).
/// </summary>
public sealed partial class SecurityHeadersTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private static readonly Dictionary<string, string> Expected = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                                      "form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'",
        ["X-Content-Type-Options"] = "nosniff",
        ["Referrer-Policy"] = "same-origin",
        ["X-Frame-Options"] = "DENY",
        ["Cross-Origin-Opener-Policy"] = "same-origin",
        ["Cross-Origin-Resource-Policy"] = "same-origin",
        ["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    };

    [Fact]
    public async Task Every_kind_of_answer_carries_every_security_header()
    {
        using var anonymous = app.CreateBrowserLikeClient();
        using var admin = await app.SignInAsync();
        var collectionId = app.CreateCollection();
        var jobId = await app.UploadAsync(admin, collectionId, "headers.csv", "customerId,name\nH1,Headers\n");
        await app.WaitForStatusAsync(jobId, Status.Completed);

        var answers = new List<(string What, HttpResponseMessage Response, HttpStatusCode Status)>
        {
            ("the sign-in page", await anonymous.GetAsync("/Account/Login"), HttpStatusCode.OK),
            ("the redirect to sign in", await anonymous.GetAsync("/"), HttpStatusCode.Redirect),
            ("a page", await admin.GetAsync($"/Collections/{collectionId}/Jobs"), HttpStatusCode.OK),
            ("an htmx partial", await JobTrackerApp.GetHtmxAsync(admin, $"/Jobs/{jobId}?status=completed"), HttpStatusCode.OK),
            ("a download", await admin.GetAsync($"/Jobs/{jobId}/AuditLog"), HttpStatusCode.OK),
            ("a stylesheet", await anonymous.GetAsync("/css/site.css"), HttpStatusCode.OK),
            ("a script", await anonymous.GetAsync("/lib/htmx/htmx.min.js"), HttpStatusCode.OK),
            ("the 404 error page", await admin.GetAsync("/no/such/page"), HttpStatusCode.NotFound),
            ("a 404 for a missing job", await admin.GetAsync("/Jobs/987654321"), HttpStatusCode.NotFound),
            ("a 400 for a post without a token", await admin.PostAsync($"/Jobs/{jobId}/Stop", new FormUrlEncodedContent([])), HttpStatusCode.BadRequest),
        };
        try
        {
            foreach (var (what, response, status) in answers)
            {
                Assert.True(response.StatusCode == status, $"{what} answered {(int)response.StatusCode}, expected {(int)status}");
                foreach (var (name, value) in Expected)
                {
                    Assert.True(response.Headers.TryGetValues(name, out var values), $"{what} has no {name}");
                    Assert.Equal(value, values.Single());
                }
            }
            var partial = await answers[3].Response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("<html", partial);
            Assert.Contains("text/csv", answers[4].Response.Content.Headers.ContentType!.ToString());
            Assert.Equal("404", Html.Attribute(Html.Tags(await answers[7].Response.Content.ReadAsStringAsync(), "error-page").Single(), "data-status-code"));
        }
        finally
        {
            foreach (var (_, response, _) in answers) response.Dispose();
        }
    }

    [Fact]
    public void The_headers_the_tests_expect_are_the_ones_the_app_sends()
    {
        Assert.Equal(Expected.OrderBy(h => h.Key), SecurityHeaders.All.OrderBy(h => h.Key));
    }

    [Fact]
    public async Task Htmx_is_configured_without_eval_script_tags_or_inline_indicator_styles()
    {
        using var admin = await app.SignInAsync();
        var page = await admin.GetStringAsync("/");

        var config = HtmxConfig().Match(page);
        Assert.True(config.Success, "no htmx-config meta tag");
        using var json = System.Text.Json.JsonDocument.Parse(WebUtility.HtmlDecode(config.Groups[1].Value));
        Assert.False(json.RootElement.GetProperty("allowEval").GetBoolean());
        Assert.False(json.RootElement.GetProperty("allowScriptTags").GetBoolean());
        Assert.False(json.RootElement.GetProperty("includeIndicatorStyles").GetBoolean());
        var css = await admin.GetStringAsync("/css/site.css");
        Assert.Contains(".htmx-indicator", css);
    }

    /// <summary>
    /// What the CSP forbids, the markup must not contain: no inline script or style, no handler
    /// attribute, no hx-on. Read from the page sources, so that a page no test visits is covered too.
    /// </summary>
    [Fact]
    public void No_page_source_has_inline_script_style_or_event_handlers()
    {
        var sources = Directory.GetFiles(Path.Combine(JobTrackerApp.WebRoot, "Pages"), "*.cshtml", SearchOption.AllDirectories);
        Assert.NotEmpty(sources);
        var found = new List<string>();
        foreach (var path in sources)
        {
            var text = File.ReadAllText(path);
            foreach (Match match in Forbidden().Matches(text))
                found.Add($"{Path.GetRelativePath(JobTrackerApp.WebRoot, path)}: {match.Value}");
        }
        Assert.Empty(found);
    }

    [Fact]
    public async Task Without_tls_settings_there_is_no_redirect_no_hsts_no_secure_cookie_and_forwarded_headers_are_ignored()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Host = "jobtracker.example";
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        // Secure only when the request came over HTTPS: X-Forwarded-Proto was not believed.
        Assert.DoesNotContain(cookies, c => c.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex("<meta name=\"htmx-config\" content='([^']*)'>")]
    private static partial Regex HtmxConfig();

    [GeneratedRegex(@"hx-on[:\-]|\son[a-z]+\s*=|\sstyle\s*=|<style\b|<script(?![^>]*\ssrc=)[^>]*>|javascript:", RegexOptions.IgnoreCase)]
    private static partial Regex Forbidden();
}
