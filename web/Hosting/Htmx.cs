using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The two answers htmx needs from a page: one URL serves the whole page or only its partial, and a
/// form that succeeded sends the browser on with a redirect or, for htmx, an HX-Redirect.
/// </summary>
public static class Htmx
{
    public const string RequestHeader = "HX-Request";

    public const string RedirectHeader = "HX-Redirect";

    /// <summary>True for any request htmx sent.</summary>
    public static bool IsHtmx(this HttpRequest request) => request.Headers.ContainsKey(RequestHeader);

    /// <summary>
    /// True for an htmx request that wants the partial. A history restore (back button after a
    /// cache miss) wants the whole page.
    /// </summary>
    public static bool WantsPartial(this HttpRequest request) =>
        request.Headers[RequestHeader] == "true" && request.Headers["HX-History-Restore-Request"] != "true";

    /// <summary>
    /// The whole page, or for htmx only <paramref name="partialName"/> rendered with the page as its
    /// model. Sends Vary: HX-Request, so that caches keep the two apart.
    /// </summary>
    public static IActionResult PageOrPartial(this PageModel page, string partialName)
    {
        page.Response.Headers.Append("Vary", RequestHeader);
        return page.Request.WantsPartial() ? page.Partial(partialName, page) : page.Page();
    }

    /// <summary>
    /// After a form that succeeded: 303 See Other to <paramref name="url"/> (a plain form post: the
    /// browser GETs the new page), or for htmx (which would follow a redirect and swap the result into
    /// the form) 200 with HX-Redirect, so the browser navigates.
    /// </summary>
    public static IActionResult RedirectOrHxRedirect(this PageModel page, string url)
    {
        if (!page.Request.IsHtmx())
        {
            page.Response.Headers.Location = url;
            return new StatusCodeResult(StatusCodes.Status303SeeOther);
        }
        page.Response.HxRedirect(url);
        return new OkResult();
    }

    /// <summary>Tells htmx to navigate the browser to <paramref name="url"/>.</summary>
    public static void HxRedirect(this HttpResponse response, string url) => response.Headers[RedirectHeader] = url;
}
