using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The version of what a polled partial shows, as an entity tag: a SHA-256 (its first 128 bits) over every
/// value the partial renders and everything else its HTML depends on (the URL with filter and page, the
/// user's time zone and role). A poll that sends the tag it has (<c>If-None-Match</c>, from the
/// partial's <c>data-etag</c>, site.js) and finds the same version gets 304 Not Modified: no rendering
/// and no body, and htmx leaves the page as it is (the layout's htmx-config swaps nothing on 304).
/// Whoever adds a value to a polled partial adds it to the partial's version too.
/// </summary>
public sealed class PollVersion : IDisposable
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>
    /// A version that starts with what the whole partial depends on: the page's own URL as the page builds
    /// it (filter, page and cursor; the whole page and its poll name it alike), the user's zone and role.
    /// </summary>
    public static PollVersion For(PageModel page, string canonicalUrl, string zoneId)
    {
        var version = new PollVersion().Add(canonicalUrl).Add(zoneId);
        foreach (var claim in page.User.Claims)
            if (claim.Type == ClaimTypes.Role) version.Add(claim.Value);
        return version;
    }

    public PollVersion Add(string? value)
    {
        // Length first: no two different lists of values hash alike.
        Add(value is null ? -1L : value.Length);
        if (value is not null) hash.AppendData(MemoryMarshal.AsBytes(value.AsSpan()));
        return this;
    }

    public PollVersion Add(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        hash.AppendData(bytes);
        return this;
    }

    public PollVersion Add(long? value) => value is { } number ? Add(1L).Add(number) : Add(0L);

    public PollVersion Add(bool value) => Add(value ? 1L : 0L);

    /// <summary>A time, to the tick.</summary>
    public PollVersion Add(DateTime? value) => Add(value?.Ticks);

    /// <summary>A value whose ToString names all it holds (a C# record does): for one-off values, not for every row.</summary>
    public PollVersion AddRecord(object? value) => Add(value is null ? null : string.Create(CultureInfo.InvariantCulture, $"{value}"));

    /// <summary>The entity tag: weak (the body may go compressed), W/"…" with 32 hex digits.</summary>
    public string ETag
    {
        get
        {
            Span<byte> digest = stackalloc byte[32];
            hash.GetHashAndReset(digest);
            return "W/\"" + Convert.ToHexStringLower(digest[..16]) + "\"";
        }
    }

    public void Dispose() => hash.Dispose();
}
