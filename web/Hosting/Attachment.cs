using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Hosting;

/// <summary>The headers of a streamed download: saved under its own name, never kept by a cache.</summary>
public static class Attachment
{
    /// <summary>Content-Disposition "attachment" with <paramref name="fileName"/> (RFC 6266, non-ASCII names too) and Cache-Control no-store.</summary>
    public static void SetAttachment(this HttpResponse response, string fileName)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.CacheControl = "no-store";
    }
}
