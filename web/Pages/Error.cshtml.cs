using System.Diagnostics;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages;

/// <summary>
/// Shown for unhandled exceptions (UseExceptionHandler) and for error status codes
/// (UseStatusCodePagesWithReExecute, ?code=404). Never shows exception details.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[DisableFormValueModelBinding]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public int Code { get; private set; }

    public string Heading { get; private set; } = "";

    public string Explanation { get; private set; } = "";

    public string? RequestId { get; private set; }

    public void OnGet(int? code) => Describe(code);

    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        var failed = HttpContext.Features.Get<IExceptionHandlerFeature>() is not null;
        Code = failed ? StatusCodes.Status500InternalServerError : code ?? StatusCodes.Status500InternalServerError;
        (Heading, Explanation) = Code switch
        {
            StatusCodes.Status404NotFound => ("Not found", "There is nothing at this address. The workspace, collection or job may not exist, or the link is wrong."),
            StatusCodes.Status401Unauthorized => ("Sign in", "Your session has ended. Sign in again to continue."),
            StatusCodes.Status403Forbidden => ("Access denied", "Your account is not allowed to do that."),
            StatusCodes.Status400BadRequest => ("Bad request", "The request could not be handled. Reload the page and try again."),
            StatusCodes.Status413PayloadTooLarge => ("Too large", "The request is larger than the server accepts."),
            _ => ("Something went wrong", "The server could not complete the request. Try again; if it keeps happening, tell an admin."),
        };
        if (Code >= 500) RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        Response.StatusCode = Code;
    }
}
