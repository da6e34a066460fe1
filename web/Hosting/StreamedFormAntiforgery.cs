using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace JobTracker.Web.Hosting;

/// <summary>
/// Antiforgery for a multipart form whose file streams on as it is read, so that nothing reads the
/// whole form first (the antiforgery service, left to itself, would: it buffers the upload to find
/// the token). htmx sends the token in a header; a browser without JavaScript sends the form's hidden
/// field, which the form puts before its file: only that first part is read, and the antiforgery
/// service is shown a form of that one field.
/// </summary>
public static class StreamedFormAntiforgery
{
    /// <summary>A request token is about 150 characters; anything much longer is not one.</summary>
    private const int MaxTokenBytes = 1024;

    /// <summary>
    /// True when the request carries a valid token: in the header, or else as the first part of the
    /// multipart body <paramref name="reader"/> reads (which is then consumed, the rest left to read).
    /// </summary>
    public static async Task<bool> IsStreamedFormValidAsync(this IAntiforgery antiforgery, HttpContext context,
        MultipartReader? reader, CancellationToken cancellationToken)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value;
        if (options.HeaderName is null || StringValues.IsNullOrEmpty(context.Request.Headers[options.HeaderName]))
        {
            if (reader is null) return false;
            var token = await ReadFirstFieldAsync(reader, options.FormFieldName, cancellationToken);
            if (token is null) return false;
            // The form as far as it has been read: the antiforgery service looks no further.
            context.Features.Set<IFormFeature>(new FormFeature(new FormCollection(new Dictionary<string, StringValues>
            {
                [options.FormFieldName] = token,
            })));
        }
        return await antiforgery.IsRequestValidAsync(context);
    }

    /// <summary>The value of the body's first part when it is the form field <paramref name="name"/>, else null.</summary>
    private static async Task<string?> ReadFirstFieldAsync(MultipartReader reader, string name, CancellationToken cancellationToken)
    {
        var section = await reader.ReadNextSectionAsync(cancellationToken);
        if (section is null
            || !ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            || !disposition.IsFormDisposition()
            || !HeaderUtilities.RemoveQuotes(disposition.Name).Equals(name, StringComparison.Ordinal))
            return null;

        var buffer = new byte[MaxTokenBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        return length is > 0 and <= MaxTokenBytes ? Encoding.UTF8.GetString(buffer, 0, length) : null;
    }
}
