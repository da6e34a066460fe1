using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Hosting;

/// <summary>The conditional answer of a polled partial.</summary>
public static class PollVersions
{
    /// <summary>
    /// For htmx's partial request: sends <paramref name="etag"/> with the answer and returns 304 Not Modified
    /// when the request already has that version (If-None-Match). Null when the partial is to be rendered
    /// (or the whole page is asked for). No Cache-Control: the browser's cache is not involved (site.js sends
    /// If-None-Match itself, which keeps the request out of it), and an answer with an antiforgery token
    /// (Stop Job) gets no-store from antiforgery anyway.
    /// </summary>
    public static IActionResult? NotModified(this PageModel page, string etag)
    {
        if (!page.Request.WantsPartial()) return null;
        page.Response.Headers.ETag = etag;
        var sent = page.Request.GetTypedHeaders().IfNoneMatch;
        var current = EntityTagHeaderValue.Parse(etag);
        return sent.Any(tag => tag.Compare(current, useStrongComparison: false))
            ? new StatusCodeResult(StatusCodes.Status304NotModified)
            : null;
    }
}
