using System.Text.Json;
using System.Text.RegularExpressions;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Says in a person's words what is wrong in the file where System.Text.Json stopped: "a trailing comma
/// after the last field", "a comment (JSON has none)", "a string that is never closed". Never the parser's
/// own words (its messages talk about reader options, tokens and payloads, which a user has none of).
/// </summary>
internal static partial class JsonProblem
{
    /// <summary>What is wrong, as a phrase without a final period: "a trailing comma after the last field".</summary>
    public static string Describe(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var m = e.Message;
        if (m.Contains("trailing comma", StringComparison.Ordinal))
            return m.Contains("JSON array", StringComparison.Ordinal) ? "a trailing comma after the last item of a list" : "a trailing comma after the last field";
        if (m.Contains("maximum configured depth", StringComparison.Ordinal))
            return "objects or lists nested deeper than the limit";
        if (m.Contains("Expected end of string, but instead reached end of data", StringComparison.Ordinal))
            return "a text value that is never closed (its closing \" is missing)";
        if (m.Contains("Expected depth to be zero", StringComparison.Ordinal))
            return "an object or list that is never closed (a } or ] is missing)";
        if (m.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
            return "no JSON value";
        if (m.Contains("Invalid leading zero", StringComparison.Ordinal))
            return "a number with a leading zero (write 7, not 07; put codes like 007 in double quotes)";

        var quoted = Quoted().Match(m);
        var what = quoted.Success ? quoted.Groups[1].Value : "";
        var shown = Shown(what);
        if (what is "/" && m.Contains("is invalid after", StringComparison.Ordinal) || what is "/" && m.Contains("invalid start", StringComparison.Ordinal))
            return "a comment (JSON does not allow comments)";
        if (m.Contains("is an invalid JSON literal", StringComparison.Ordinal))
            return $"{Shown(new string([.. what.TakeWhile(char.IsAsciiLetter)]))}, which is not a JSON value (true, false and null are written in lower case; text goes in double quotes)";
        if (m.Contains("is invalid after a property name", StringComparison.Ordinal))
            return $"a missing ':' after a field name (found {shown})";
        if (m.Contains("is an invalid start of a property name", StringComparison.Ordinal))
            return what switch
            {
                "," => "two commas in a row",
                "'" => "a field name in single quotes (JSON needs double quotes)",
                "}" => "a trailing comma after the last field",
                _ => $"a field name without double quotes (it starts with {shown})",
            };
        if (m.Contains("is invalid after a single JSON value", StringComparison.Ordinal))
            return $"more text after the end of the JSON (starting with {shown})";
        if (m.Contains("is invalid after a value", StringComparison.Ordinal))
            return $"a missing comma before {shown}";
        if (m.Contains("is invalid within a JSON string", StringComparison.Ordinal))
            return "a control character (such as a tab or line break) inside a text value; write it as \\t or \\n";
        if (m.Contains("invalid escapable character", StringComparison.Ordinal) || m.Contains("not a hex digit", StringComparison.Ordinal))
            return $"an invalid escape sequence (\\{what}) inside a text value";
        if (m.Contains("within a number", StringComparison.Ordinal) || m.Contains("end of a number", StringComparison.Ordinal))
            return "a malformed number";
        if (m.Contains("is an invalid start of a value", StringComparison.Ordinal))
            return $"a value starting with {shown}, which is not JSON (text goes in double quotes)";
        if (m.Contains("without a matching open", StringComparison.Ordinal))
            return $"a closing {shown} that does not match an open {(what == "}" ? "{" : what == "]" ? "[" : "bracket")}";
        if (m.Contains("end of data", StringComparison.Ordinal))
            return "an unexpected end of the data (something is not closed)";
        return "something that is not valid JSON";
    }

    private static string Shown(string what) =>
        what.Length == 0 ? "an unexpected character"
        : what.StartsWith("0x", StringComparison.Ordinal) ? $"the control character {what}"
        : $"'{(what.Length > 20 ? what[..20] + "…" : what).Replace("\r", "\\r").Replace("\n", "\\n")}'";

    [GeneratedRegex("^'(.*?)'(?: is | was )", RegexOptions.Singleline)]
    private static partial Regex Quoted();
}
