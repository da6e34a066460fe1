using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace JobTracker.Tests.Infrastructure;

/// <summary>The few pieces of markup the tests read, found by the attributes the pages promise.</summary>
public static partial class Html
{
    public static string HiddenAntiforgeryField(string page) =>
        FirstGroup(AntiforgeryField(), page, "the __RequestVerificationToken hidden field");

    public static string MetaRequestToken(string page) =>
        FirstGroup(MetaToken(), page, "the request-verification-token meta tag");

    /// <summary>The opening tags of the elements with a data-testid, in document order.</summary>
    public static List<string> Tags(string page, string testId) =>
        Regex.Matches(page, $"<[a-z0-9]+\\b[^>]*\\bdata-testid=\"{Regex.Escape(testId)}\"[^>]*>", RegexOptions.IgnoreCase)
            .Select(m => m.Value).ToList();

    /// <summary>The value of an attribute in an opening tag, HTML-decoded (null when absent).</summary>
    public static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $"\\s{Regex.Escape(name)}=\"([^\"]*)\"");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    /// <summary>The text content of the first element with the data-testid (tags stripped, decoded, trimmed), or null.</summary>
    public static string? Text(string page, string testId)
    {
        var match = Regex.Match(page, $"<([a-z0-9]+)\\b[^>]*\\bdata-testid=\"{Regex.Escape(testId)}\"[^>]*>(.*?)</\\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline);
        return match.Success ? Decode(match.Groups[2].Value) : null;
    }

    /// <summary>The texts of every element with the data-testid.</summary>
    public static List<string> Texts(string page, string testId) =>
        Regex.Matches(page, $"<([a-z0-9]+)\\b[^>]*\\bdata-testid=\"{Regex.Escape(testId)}\"[^>]*>(.*?)</\\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline)
            .Select(m => Decode(m.Groups[2].Value)).ToList();

    /// <summary>The job rows of a Job Tracker page or partial: (job id, status) in document order.</summary>
    public static List<(long Id, string Status)> JobRows(string page) =>
        Tags(page, "job-row").Select(t => (long.Parse(Attribute(t, "data-job-id")!, CultureInfo.InvariantCulture), Attribute(t, "data-status")!)).ToList();

    /// <summary>The batch rows of a Job Details page or partial: (batch no, status) in document order.</summary>
    public static List<(int BatchNo, string Status)> BatchRows(string page) =>
        Tags(page, "batch-row").Select(t => (int.Parse(Attribute(t, "data-batch-no")!, CultureInfo.InvariantCulture), Attribute(t, "data-status")!)).ToList();

    public static bool HasId(string page, string id) => page.Contains($"id=\"{id}\"", StringComparison.Ordinal);

    private static string Decode(string inner) =>
        Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(inner, "<[^>]+>", "")), "\\s+", " ").Trim();

    private static string FirstGroup(Regex regex, string page, string what)
    {
        var match = regex.Match(page);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"{what} is not on the page:\n{page}");
    }

    [GeneratedRegex("<input name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<meta name=\"request-verification-token\" content=\"([^\"]+)\"")]
    private static partial Regex MetaToken();
}
