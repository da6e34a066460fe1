using System.Globalization;
using System.Security.Claims;
using JobTracker.Jobs.Activity;
using JobTracker.Web.Api;

namespace JobTracker.Web.Hosting;

/// <summary>Who is acting in this request, for the activity trail: the signed-in user (or the API token's), how, and from which address.</summary>
public static class ActivityActors
{
    /// <summary>
    /// The request's actor: the user's id and name from the sign-in cookie ("console") or from the API token
    /// ("API token &lt;name&gt;"), and the client's address (the proxy's X-Forwarded-For when JobTracker:ForwardedHeaders is on).
    /// </summary>
    public static ActivityActor Actor(this HttpContext context)
    {
        var user = context.User;
        long? userId = long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        var name = user.Identity?.Name ?? "unknown";
        var address = Address(context);
        return user.FindFirstValue(ApiTokenHandler.TokenNameClaim) is { } tokenName
            ? ActivityActor.ThroughApi(userId, name, tokenName, address)
            : ActivityActor.InConsole(userId, name, address);
    }

    /// <summary>
    /// Records a download of one of job <paramref name="jobId"/>'s files by this request's actor
    /// (<see cref="ActivityTrail.RecordDownloadAsync"/>): the pages and the API call it once the file is found.
    /// </summary>
    public static Task RecordDownloadAsync(this HttpContext context, string action, long jobId, string? detail = null) =>
        context.RequestServices.GetRequiredService<ActivityTrail>().RecordDownloadAsync(context.Actor(), action, jobId, detail, context.RequestAborted);

    /// <summary>The client's address as text, or null when there is none (an in-memory test server).</summary>
    public static string? Address(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.ToString();
    }
}
