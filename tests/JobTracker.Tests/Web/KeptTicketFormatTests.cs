using System.Net;
using System.Security.Claims;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobTracker.Tests.Web;

/// <summary>
/// <see cref="KeptTicketFormat"/>: a cookie read once is not decrypted again for a minute, each request gets its own
/// copy of the ticket, a cookie that does not read is never kept; and in the product, a kept ticket is still refused
/// once it has expired.
/// </summary>
public sealed class KeptTicketFormatTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    /// <summary>Data Protection's own ticket format, counting how often it decrypts.</summary>
    private sealed class CountingFormat : ISecureDataFormat<AuthenticationTicket>
    {
        private readonly TicketDataFormat real = new(DataProtectionProvider.Create("KeptTicketFormatTests").CreateProtector("cookie"));

        public int Reads { get; private set; }

        public string Protect(AuthenticationTicket data) => real.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => real.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Reads++;
            return real.Unprotect(protectedText, purpose);
        }
    }

    private static AuthenticationTicket Ticket(string name) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test")), new AuthenticationProperties(), "Cookies");

    [Fact]
    public void A_cookie_is_decrypted_once_a_minute_and_every_read_gets_its_own_copy()
    {
        var inner = new CountingFormat();
        var clock = new MovedClock();
        var format = new KeptTicketFormat(inner, clock);
        var cookie = format.Protect(Ticket("ann"));

        var first = format.Unprotect(cookie)!;
        first.Properties.Items["changed"] = "by the first request";
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim("extra", "by the first request"));
        var second = format.Unprotect(cookie)!;

        Assert.Equal(1, inner.Reads);
        Assert.Equal("ann", second.Principal.Identity!.Name);
        Assert.False(second.Properties.Items.ContainsKey("changed"));
        Assert.Null(second.Principal.FindFirst("extra"));

        clock.Ahead = KeptTicketFormat.Lifetime;
        Assert.Equal("ann", format.Unprotect(cookie)!.Principal.Identity!.Name);
        Assert.Equal(2, inner.Reads);
    }

    [Fact]
    public void A_cookie_that_does_not_read_is_refused_every_time_and_never_kept()
    {
        var inner = new CountingFormat();
        var format = new KeptTicketFormat(inner, TimeProvider.System);
        var cookie = format.Protect(Ticket("ann"));
        var tampered = cookie[..^4] + (cookie[^4] == 'A' ? "BBBB" : "AAAA");

        Assert.Null(format.Unprotect(tampered));
        Assert.Null(format.Unprotect(tampered));
        Assert.Null(format.Unprotect(null));
        Assert.Equal(2, inner.Reads);
        Assert.NotNull(format.Unprotect(cookie));
    }

    [Fact]
    public async Task The_product_keeps_tickets_and_still_refuses_one_that_has_expired()
    {
        var format = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat;
        Assert.IsType<KeptTicketFormat>(format);

        using var client = await app.SignInAsync();
        var cookieValue = CookieValue(JobTrackerApp.CookieHeader(client));
        var ticket = format.Unprotect(cookieValue)!;
        ticket.Properties.IssuedUtc = DateTimeOffset.UtcNow.AddHours(-2);
        ticket.Properties.ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(-1);
        var expired = format.Protect(ticket);

        // The same expired cookie twice: the second time its ticket comes from what was kept.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var copy = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
            copy.DefaultRequestHeaders.Add("Cookie", $"JobTracker.SignIn={expired}");
            using var response = await copy.GetAsync("/");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/Account/Login", response.Headers.Location!.AbsolutePath);
        }
        using var signedIn = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    /// <summary>The sign-in cookie's value in a Cookie header (one chunk: the ticket is small).</summary>
    private static string CookieValue(string cookieHeader) =>
        cookieHeader.Split("; ").Select(pair => pair.Split('=', 2)).Single(pair => pair[0] == "JobTracker.SignIn")[1];
}
