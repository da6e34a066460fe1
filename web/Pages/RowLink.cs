using System.Globalization;

namespace JobTracker.Web.Pages;

/// <summary>
/// Links that differ from row to row only in one path segment (/Jobs/{id}, /Jobs/{id}/AuditLog/{batchNo},
/// /Jobs/{id}/Batches/{batchNo}/Download): the route is resolved once per table instead of once per row
/// (link generation took about a tenth of a poll's time). The link is made once with a sample value,
/// which then marks where each row's value goes.
/// </summary>
public sealed class RowLink
{
    /// <summary>A value no link of ours holds elsewhere (an int: batch numbers are routed as int).</summary>
    public const int Sample = 2_147_483_629;

    private static readonly string SampleSegment = "/" + Sample.ToString(CultureInfo.InvariantCulture);

    private readonly string prefix;
    private readonly string suffix;

    /// <param name="sampleUrl">The link made with <see cref="Sample"/> as the row's value (Url.Page).</param>
    public RowLink(string? sampleUrl)
    {
        var at = sampleUrl?.IndexOf(SampleSegment, StringComparison.Ordinal) ?? -1;
        if (sampleUrl is null || at < 0 || sampleUrl.IndexOf(SampleSegment, at + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException($"'{sampleUrl}' does not hold the sample value once");
        prefix = sampleUrl[..(at + 1)];
        suffix = sampleUrl[(at + SampleSegment.Length)..];
    }

    public string For(long value) => prefix + value.ToString(CultureInfo.InvariantCulture) + suffix;
}
