using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
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
/// forms) is never stored. At most 32 MB in all.
/// </summary>
public sealed class PollRenderCache(IConfiguration configuration) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly TimeSpan sharedFor = configuration.GetValue($"{PollCompression.Section}:SharedFor", TimeSpan.FromSeconds(1));

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 32 * 1024 * 1024 });

    /// <summary>A poll's answer as it was sent: its version, its HTML and the state the page passes on (the Job Tracker's <c>X-Jobs-Seen</c>).</summary>
    public sealed record Answer(string ETag, byte[] Html, string? State);

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
        if (cache.TryGetValue(etag, out byte[]? html) && html is not null)
        {
            KeepRecent(recentKey, new Answer(etag, html, state));
            return new FileContentResult(html, "text/html; charset=utf-8");
        }
        return new KeepingResult(page.Partial(partialName, page), this, etag, recentKey, state);
    }

    /// <summary>Sends a recent answer: 304 when the poll has its version already, else its HTML.</summary>
    public static IActionResult Send(PageModel page, Answer answer)
    {
        page.Response.Headers.Append("Vary", Htmx.RequestHeader);
        return page.NotModified(answer.ETag) ?? new FileContentResult(answer.Html, "text/html; charset=utf-8");
    }

    private static string RecentKey(PageModel page, string zoneId)
    {
        var roles = string.Join(',', page.User.FindAll(ClaimTypes.Role).Select(claim => claim.Value));
        return string.Concat("recent|", page.Request.Path.Value, page.Request.QueryString.Value, "|", zoneId, "|", roles);
    }

    private void Keep(string etag, byte[] html) =>
        cache.Set(etag, html, new MemoryCacheEntryOptions { Size = html.Length, AbsoluteExpirationRelativeToNow = Lifetime });

    private void KeepRecent(string key, Answer answer)
    {
        if (sharedFor > TimeSpan.Zero)
            cache.Set(key, answer, new MemoryCacheEntryOptions { Size = answer.Html.Length + key.Length * 2, AbsoluteExpirationRelativeToNow = sharedFor });
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
            var html = buffer.ToArray();
            if (response.StatusCode == StatusCodes.Status200OK)
            {
                owner.Keep(etag, html);
                owner.KeepRecent(recentKey, new Answer(etag, html, state));
            }
            response.ContentLength = html.Length;
            await body.WriteAsync(html, context.HttpContext.RequestAborted);
        }
    }
}
