using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Caching.Memory;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The rendered HTML of polled partials, shared by everyone who polls the same thing.
/// <list type="bullet">
/// <item>By version (<see cref="PollVersion"/>): a hundred people watching one job get the table rendered once per
/// change, not once each. The version covers everything the HTML depends on (data, URL, zone, role), so one entry
/// serves every user it names. Entries live 30 seconds.</item>
/// <item>By what is asked (<see cref="Recent"/>: the URL, the user's zone and role): while a job runs its figures
/// change with every batch, so versions rarely repeat; for <c>JobTracker:Polling:SharedFor</c> (1 second) after a
/// poll was answered, the same poll gets that answer again without reading the database or rendering. A poll
/// every 2 seconds then sees figures at most a second old.</item>
/// </list>
/// A partial that holds something of one user (an antiforgery token: a finished job's Retry and Import for real
/// forms) is never stored. A kept answer is compressed once per encoding (by <see cref="PollCompression"/>'s providers:
/// Brotli, gzip, fastest level) for the browsers that accept it, not once per poll (<c>JobTracker:Polling:Compression</c>). At most 32 MB in all.
/// </summary>
public sealed class PollRenderCache(IConfiguration configuration, IResponseCompressionProvider compression) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly TimeSpan sharedFor = configuration.GetValue($"{PollCompression.Section}:SharedFor", TimeSpan.FromSeconds(1));

    private readonly bool compress = configuration.GetValue($"{PollCompression.Section}:Compression", true);

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 32 * 1024 * 1024 });

    /// <summary>
    /// A poll's answer as it was sent: its version, its HTML and the state the page passes on (the Job Tracker's
    /// <c>X-Jobs-Seen</c>), with its compressed forms made when first asked for.
    /// </summary>
    public sealed class Answer(string etag, byte[] html, string? state)
    {
        private readonly ConcurrentDictionary<string, byte[]> encoded = new(StringComparer.Ordinal);

        public string ETag => etag;

        public byte[] Html => html;

        public string? State => state;

        /// <summary>The HTML compressed by <paramref name="provider"/>, once per encoding (two polls at once may both compress: the same bytes).</summary>
        public byte[] Encoded(ICompressionProvider provider) => encoded.GetOrAdd(provider.EncodingName, _ =>
        {
            var output = new MemoryStream();
            using (var stream = provider.CreateStream(output)) stream.Write(html);
            return output.ToArray();
        });
    }

    /// <summary>
    /// The answer given to this same poll (URL, zone, role) less than <c>SharedFor</c> ago, or null: then the page
    /// reads and renders as usual, and <see cref="Partial"/> keeps its answer for the next ones.
    /// </summary>
    public Answer? Recent(PageModel page, string zoneId) =>
        sharedFor > TimeSpan.Zero && page.Request.WantsPartial() && cache.TryGetValue(RecentKey(page, zoneId), out Answer? answer) ? answer : null;

    /// <summary>
    /// The partial for htmx: from the cache when this version was rendered already, otherwise rendered,
    /// sent and (when <paramref name="shareable"/>) kept, by version and as the recent answer to this poll.
    /// </summary>
    public IActionResult Partial(PageModel page, string partialName, string etag, bool shareable, string zoneId, string? state = null)
    {
        page.Response.Headers.Append("Vary", Htmx.RequestHeader);
        if (!shareable) return page.Partial(partialName, page);
        var recentKey = RecentKey(page, zoneId);
        if (cache.TryGetValue(etag, out Answer? kept) && kept is not null)
        {
            KeepRecent(recentKey, kept);
            return Content(page.HttpContext, kept);
        }
        return new KeepingResult(page.Partial(partialName, page), this, etag, recentKey, state);
    }

    /// <summary>Sends a recent answer: 304 when the poll has its version already, else its HTML.</summary>
    public IActionResult Send(PageModel page, Answer answer)
    {
        page.Response.Headers.Append("Vary", Htmx.RequestHeader);
        return page.NotModified(answer.ETag) ?? Content(page.HttpContext, answer);
    }

    /// <summary>
    /// The answer's HTML, compressed as the browser accepts, chosen and compressed by the providers <see cref="PollCompression"/>
    /// sets up (then the compression middleware leaves it be).
    /// </summary>
    private FileContentResult Content(HttpContext context, Answer answer)
    {
        if (!compress || compression.GetCompressionProvider(context) is not { } provider) return new FileContentResult(answer.Html, "text/html; charset=utf-8");
        context.Response.Headers.ContentEncoding = provider.EncodingName;
        context.Response.Headers.Append("Vary", "Accept-Encoding");
        return new FileContentResult(answer.Encoded(provider), "text/html; charset=utf-8");
    }

    private static string RecentKey(PageModel page, string zoneId)
    {
        var roles = string.Join(',', page.User.FindAll(ClaimTypes.Role).Select(claim => claim.Value));
        return string.Concat("recent|", page.Request.Path.Value, page.Request.QueryString.Value, "|", zoneId, "|", roles);
    }

    private void Keep(Answer answer) =>
        cache.Set(answer.ETag, answer, new MemoryCacheEntryOptions { Size = answer.Html.Length * 2, AbsoluteExpirationRelativeToNow = Lifetime });

    private void KeepRecent(string key, Answer answer)
    {
        if (sharedFor > TimeSpan.Zero)
            cache.Set(key, answer, new MemoryCacheEntryOptions { Size = key.Length * 2 + 64, AbsoluteExpirationRelativeToNow = sharedFor });
    }

    public void Dispose() => cache.Dispose();

    /// <summary>Renders the partial into a buffer, keeps the bytes, then sends them.</summary>
    private sealed class KeepingResult(IActionResult inner, PollRenderCache owner, string etag, string recentKey, string? state) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            var body = response.Body;
            using var buffer = new MemoryStream();
            response.Body = buffer;
            try
            {
                await inner.ExecuteResultAsync(context);
            }
            finally
            {
                response.Body = body;
            }
            var answer = new Answer(etag, buffer.ToArray(), state);
            if (response.StatusCode != StatusCodes.Status200OK)
            {
                response.ContentLength = answer.Html.Length;
                await body.WriteAsync(answer.Html, context.HttpContext.RequestAborted);
                return;
            }
            owner.Keep(answer);
            owner.KeepRecent(recentKey, answer);
            var content = owner.Content(context.HttpContext, answer);
            response.ContentLength = content.FileContents.Length;
            await body.WriteAsync(content.FileContents, context.HttpContext.RequestAborted);
        }
    }
}
