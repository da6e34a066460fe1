using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace JobTracker.Benchmarks;

/// <summary>
/// One signed-in person's browser, as the product sees it over HTTP: its own cookies (session and
/// antiforgery), the login form posted with its antiforgery field, uploads posted the way htmx posts
/// the Import form (multipart, the file streamed from disk, the token in the RequestVerificationToken
/// header), and polls sent with the headers htmx sends for an hx-get (HX-Request, HX-Current-URL,
/// HX-Target, HX-Trigger, the element's hx-headers). Like a browser's HTTP cache it sends back the
/// validators of the last answer for the same URL (If-None-Match for an ETag, If-Modified-Since for a
/// Last-Modified) and reads a 304 as the body it kept; it asks for compressed answers (Accept-Encoding).
/// </summary>
internal sealed partial class BenchBrowser : IDisposable
{
    public const string AdminPassword = "bench-http-admin-password";

    private readonly HttpClient client;
    private readonly Dictionary<string, (string? ETag, string? LastModified, string Body)> cache = [];

    private BenchBrowser(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
        };
        client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(30) };
    }

    /// <summary>Answers taken from the kept body after a 304.</summary>
    public int NotModified { get; private set; }

    /// <summary>Opens the login page and signs in as admin (the password the benchmark started the product with).</summary>
    public static async Task<BenchBrowser> SignInAsync(Uri baseAddress)
    {
        var browser = new BenchBrowser(baseAddress);
        try
        {
            var form = await browser.client.GetStringAsync("/Account/Login");
            var token = AntiforgeryField().Match(form) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value)
                : throw new InvalidOperationException("the login form has no antiforgery field");
            using var post = await browser.client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.UserName"] = "admin",
                ["Input.Password"] = AdminPassword,
                ["returnUrl"] = "",
                ["__RequestVerificationToken"] = token,
            }));
            if (post.StatusCode != HttpStatusCode.Redirect)
                throw new InvalidOperationException($"sign-in answered {(int)post.StatusCode}, not a redirect");
            return browser;
        }
        catch
        {
            browser.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the Import page of a collection and posts <paramref name="file"/> through its form as htmx
    /// does; returns once the product answered with HX-Redirect to the Job Tracker (the file is stored
    /// and its job queued: accepted).
    /// </summary>
    public async Task UploadAsync(long collectionId, string file)
    {
        var importUrl = $"/Collections/{collectionId}/Import";
        var page = await client.GetStringAsync(importUrl);
        var token = TokenMeta().Match(page) is { Success: true } meta ? WebUtility.HtmlDecode(meta.Groups[1].Value)
            : throw new InvalidOperationException("the Import page has no request-verification-token");

        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var content = new MultipartFormDataContent();
        var filePart = new StreamContent(stream, 1 << 16);
        filePart.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(filePart, "file", Path.GetFileName(file));
        using var request = new HttpRequestMessage(HttpMethod.Post, importUrl) { Content = content };
        AddHtmxHeaders(request, importUrl, "import-form");
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK || !response.Headers.Contains("HX-Redirect"))
            throw new InvalidOperationException($"the upload answered {(int)response.StatusCode} without HX-Redirect: " +
                (await response.Content.ReadAsStringAsync())[..Math.Min(500, (int)(response.Content.Headers.ContentLength ?? 500))]);
    }

    /// <summary>
    /// One htmx poll of <paramref name="url"/> by the element <paramref name="target"/> (its own hx-get),
    /// with the page it sits on as HX-Current-URL and the element's hx-headers; the body (or the kept
    /// one after a 304) and the time until it was read.
    /// </summary>
    public async Task<(string Body, double Milliseconds)> PollAsync(string url, string target, string? pageUrl = null,
        IReadOnlyDictionary<string, string>? elementHeaders = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        AddHtmxHeaders(request, pageUrl ?? url, target);
        foreach (var (name, value) in elementHeaders ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        var kept = cache.TryGetValue(url, out var entry);
        if (kept && entry.ETag is { } etag) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (kept && entry.LastModified is { } lastModified) request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (response.StatusCode == HttpStatusCode.NotModified && kept)
        {
            NotModified++;
            return (entry.Body, elapsed);
        }
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {url} ({target}) answered {(int)response.StatusCode}");
        var newETag = response.Headers.ETag?.ToString();
        var newLastModified = response.Content.Headers.LastModified?.ToString("R");
        if (newETag is not null || newLastModified is not null) cache[url] = (newETag, newLastModified, body);
        return (body, elapsed);
    }

    /// <summary>The hx-headers of the element <paramref name="id"/> in an answer (the Job Tracker table's X-Jobs-Seen), none when it has none.</summary>
    public static IReadOnlyDictionary<string, string> ElementHeaders(string html, string id)
    {
        var element = Regex.Match(html, $"<[a-z]+ id=\"{Regex.Escape(id)}\"[^>]*>");
        var attribute = element.Success ? HxHeaders().Match(element.Value) : Match.Empty;
        if (!attribute.Success) return new Dictionary<string, string>();
        return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(WebUtility.HtmlDecode(attribute.Groups[1].Value)) ?? [];
    }

    private void AddHtmxHeaders(HttpRequestMessage request, string pageUrl, string target)
    {
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-Current-URL", new Uri(client.BaseAddress!, pageUrl).ToString());
        request.Headers.Add("HX-Target", target);
        request.Headers.Add("HX-Trigger", target);
    }

    public void Dispose() => client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<meta name=\"request-verification-token\" content=\"([^\"]+)\"")]
    private static partial Regex TokenMeta();

    [GeneratedRegex("hx-headers=\"([^\"]*)\"")]
    private static partial Regex HxHeaders();
}
