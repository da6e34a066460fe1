using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Caching.Memory;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The rendered HTML of polled partials by version (<see cref="PollVersion"/>): a hundred people watching
/// one job get the table rendered once per change, not once each. The version covers everything the
/// HTML depends on (data, URL, zone, role), so one entry serves every user it names; a partial that holds
/// something of one user (an antiforgery token: a finished job's Retry and Import for real forms) is
/// never stored. Entries live 30 seconds, in at most 32 MB.
/// </summary>
public sealed class PollRenderCache : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 32 * 1024 * 1024 });

    /// <summary>
    /// The partial for htmx: from the cache when this version was rendered already, otherwise rendered,
    /// sent and (when <paramref name="shareable"/>) kept.
    /// </summary>
    public IActionResult Partial(PageModel page, string partialName, string etag, bool shareable)
    {
        page.Response.Headers.Append("Vary", Htmx.RequestHeader);
        if (shareable && cache.TryGetValue(etag, out byte[]? html) && html is not null)
            return new FileContentResult(html, "text/html; charset=utf-8");
        var partial = page.Partial(partialName, page);
        return shareable ? new KeepingResult(partial, this, etag) : partial;
    }

    private void Keep(string etag, byte[] html) =>
        cache.Set(etag, html, new MemoryCacheEntryOptions { Size = html.Length, AbsoluteExpirationRelativeToNow = Lifetime });

    public void Dispose() => cache.Dispose();

    /// <summary>Renders the partial into a buffer, keeps the bytes, then sends them.</summary>
    private sealed class KeepingResult(IActionResult inner, PollRenderCache owner, string etag) : IActionResult
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
            if (response.StatusCode == StatusCodes.Status200OK) owner.Keep(etag, html);
            response.ContentLength = html.Length;
            await body.WriteAsync(html, context.HttpContext.RequestAborted);
        }
    }
}
