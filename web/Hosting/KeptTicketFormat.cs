using System.Security.Claims;
using JobTracker.Jobs.Users;
using Microsoft.AspNetCore.Authentication;

namespace JobTracker.Web.Hosting;

/// <summary>
/// The sign-in cookie's format with the tickets it read lately kept, by the cookie's text: an open page polls two
/// partials every 2 s with the same cookie, and decrypting it (Data Protection: AES and HMAC, then the ticket's
/// claims) was a quarter of a poll's CPU. The text is authenticated ciphertext, so the same text always reads as the
/// same ticket; everything else is still checked on every request: the ticket's expiry (by the cookie handler) and
/// the live session (<see cref="SignInSetup"/>). A ticket is kept for <see cref="Lifetime"/>, so a revoked key stops
/// its cookies within that time (<see cref="KeptEntries{TKey, TValue}"/>: at most 10,000 cookies); a cookie that does
/// not read is never kept. Each request gets its own copy, so nothing one request does to its principal reaches another.
/// </summary>
public sealed class KeptTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider clock) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>How long a ticket read from a cookie is used again without decrypting the cookie.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly KeptEntries<(string Text, string? Purpose), AuthenticationTicket> kept = new();

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null) return null;
        var key = (protectedText, purpose);
        var now = clock.GetUtcNow().UtcDateTime;
        if (kept.TryFind(key, now, Lifetime, out var ticket)) return Copy(ticket);
        if (inner.Unprotect(protectedText, purpose) is not { } read) return null;
        kept.Keep(key, read, now);
        return Copy(read);
    }

    /// <summary>A copy down to the identities (<see cref="ClaimsPrincipal.Clone"/> would share them).</summary>
    private static AuthenticationTicket Copy(AuthenticationTicket ticket) =>
        new(new ClaimsPrincipal(ticket.Principal.Identities.Select(identity => identity.Clone())), ticket.Properties.Clone(), ticket.AuthenticationScheme);
}
