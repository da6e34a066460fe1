using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The start of a streamed multipart upload (the import and retry forms): this request's body limit
/// raised to the upload limit, and a reader over its sections, never the whole form at once.
/// </summary>
public static class StreamedUpload
{
    /// <summary>Room for the multipart boundaries and headers around the file itself.</summary>
    private const long MultipartSlack = 1 << 20;

    /// <summary>
    /// Lets this request's body reach <paramref name="maxUploadBytes"/> plus the multipart slack (Kestrel
    /// refuses bodies over 30 MB unless told otherwise), and returns that limit with a reader of the
    /// sections, or null when the body is not multipart/form-data.
    /// </summary>
    public static (MultipartReader? Reader, long BodyLimit) Open(HttpContext context, long maxUploadBytes)
    {
        var bodyLimit = maxUploadBytes + MultipartSlack;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
            sizeLimit.MaxRequestBodySize = bodyLimit;
        var reader = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            && contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            && HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is { Length: > 0 } boundary
                ? new MultipartReader(boundary, context.Request.Body)
                : null;
        return (reader, bodyLimit);
    }
}
