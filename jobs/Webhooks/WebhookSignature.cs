using System.Security.Cryptography;
using System.Text;

namespace JobTracker.Jobs.Webhooks;

/// <summary>
/// The X-JobTracker-Signature header, Stripe-style: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> of
/// <c>"&lt;t&gt;.&lt;body&gt;"</c> with the endpoint's secret (UTF-8), lower-case hex.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-JobTracker-Signature";

    /// <summary>The header's value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, string body) =>
        $"t={unixSeconds},v1={Hex(secret, unixSeconds, body)}";

    /// <summary>Whether <paramref name="header"/> is a valid signature of <paramref name="body"/> (constant-time compare).</summary>
    public static bool Verify(string secret, string header, string body)
    {
        long? t = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2) continue;
            if (pair[0].Trim() == "t" && long.TryParse(pair[1], out var seconds)) t = seconds;
            if (pair[0].Trim() == "v1") signatures.Add(pair[1].Trim());
        }
        if (t is not { } time) return false;
        var expected = Encoding.ASCII.GetBytes(Hex(secret, time, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }

    private static string Hex(string secret, long unixSeconds, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{body}")));
}
