using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Hosting;

/// <summary>
/// A streamed multipart upload (the import and retry forms, the API's import): this request's body limit
/// raised to the upload limit, a reader over its sections, never the whole form at once, and the walk
/// through them to the file (<see cref="NextFileAsync"/>).
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

    /// <summary>
    /// Reads <paramref name="reader"/>'s sections up to the next file section named "file", and returns its body (to be
    /// read before anything else is) with the user's file name; null when the body ends first. Each form field on the way
    /// goes to <paramref name="field"/> (its name and section); any other section is skipped unread.
    /// </summary>
    public static async Task<(Stream Body, string FileName)?> NextFileAsync(
        MultipartReader reader, Func<StringSegment, MultipartSection, Task>? field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        for (var section = await reader.ReadNextSectionAsync(cancellationToken); section is not null; section = await reader.ReadNextSectionAsync(cancellationToken))
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            if (disposition.IsFormDisposition())
            {
                if (field is not null) await field(disposition.Name, section);
            }
            else if (disposition.IsFileDisposition() && disposition.Name.Equals("file"))
            {
                return (section.Body, ClientFileName(disposition));
            }
        }
        return null;
    }

    /// <summary>
    /// The user's file name, without any folder a browser may have added: only ever data.
    /// Browsers send a double quote in a file name as %22 (HTML form encoding): undo that.
    /// </summary>
    private static string ClientFileName(ContentDispositionHeaderValue disposition)
    {
        var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
        name = name.Replace("%22", "\"", StringComparison.Ordinal);
        return name[(name.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
    }
}
