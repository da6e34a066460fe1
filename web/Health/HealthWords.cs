using System.Data.Common;
using System.Text.RegularExpressions;

namespace JobTracker.Web.Health;

/// <summary>Why a check failed, in words that name no path and no secret (the log has the whole exception).</summary>
internal static partial class HealthWords
{
    /// <summary>A database's own message (e.g. "Error 26: 'file is not a database'."), with any path left out; otherwise the kind of failure.</summary>
    public static string Reason(Exception exception) => exception switch
    {
        OperationCanceledException => "it did not answer in time",
        DbException or InvalidOperationException or TimeoutException when exception.Message.Length > 0 =>
            PathLike().Replace(exception.Message.Trim(), "…").TrimEnd('.'),
        _ => "an unexpected error (see the log)",
    };

    /// <summary>An absolute file path (/var/…, C:\…) or a password=… pair.</summary>
    [GeneratedRegex(@"(?:[A-Za-z]:)?[\\/][^\s'"",;]+|(?i:password|pwd)\s*=\s*[^;\s]+")]
    private static partial Regex PathLike();
}
