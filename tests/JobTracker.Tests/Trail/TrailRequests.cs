using System.Net;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Trail;

/// <summary>The requests the trail tests send as a browser or a script does, checked for their answer.</summary>
public static class TrailRequests
{
    /// <summary>A cron expression that never fires during a test.</summary>
    public const string FarCron = "0 0 2 24-28 OCT ? 2099";

    /// <summary>A form as the browser posts it: GET its page (<paramref name="formPath"/>, else the path) for the antiforgery field, POST it back.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string? handler, Dictionary<string, string>? fields = null, string? formPath = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var page = await client.GetStringAsync(formPath ?? path);
        fields ??= [];
        fields["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(page);
        return await client.PostAsync(handler is null ? path : $"{path}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    /// <summary><see cref="PostFormAsync"/>, answered 200 with the page; returns the page.</summary>
    public static async Task<string> PostFormOkAsync(HttpClient client, string path, string? handler, Dictionary<string, string>? fields = null, string? formPath = null)
    {
        using var response = await PostFormAsync(client, path, handler, fields, formPath);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}?handler={handler} answered {(int)response.StatusCode}: {page}");
        return page;
    }

    /// <summary><see cref="PostFormAsync"/> (no handler), answered with a redirect.</summary>
    public static async Task PostFormRedirectAsync(HttpClient client, string path, Dictionary<string, string> fields)
    {
        using var response = await PostFormAsync(client, path, null, fields);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A download, answered 200 and read whole.</summary>
    public static async Task AssertOkAsync(HttpClient client, string path)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();
    }
}
