using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace JobTracker.Tests.Browser;

/// <summary>
/// A page in a browser context of its own (own cookies) whose console errors, uncaught page errors and
/// Content-Security-Policy violations are collected: Chromium reports each violation as a console error,
/// and a securitypolicyviolation listener, added before any page script runs, reports it too.
/// Dialogs (hx-confirm) are accepted. Tests end with <see cref="AssertNoErrors"/>.
/// </summary>
public sealed class WatchedPage : IAsyncDisposable
{
    private const string ViolationListener =
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));";

    private WatchedPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Every console error ("text (at location)") and page error ("page error: ...") so far, in order.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public static async Task<WatchedPage> OpenAsync(BrowserFixture fixture)
    {
        var context = await fixture.NewContextAsync();
        await context.AddInitScriptAsync(ViolationListener);
        var watched = new WatchedPage(context, await context.NewPageAsync());
        watched.Page.Console += (_, message) =>
        {
            if (message.Type == "error") watched.Errors.Enqueue($"{message.Text} (at {message.Location})");
        };
        watched.Page.PageError += (_, error) => watched.Errors.Enqueue("page error: " + error);
        watched.Page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return watched;
    }

    /// <summary>Opens a watched page and signs in through the form.</summary>
    public static async Task<WatchedPage> SignedInAsync(BrowserFixture fixture, string userName, string password)
    {
        var watched = await OpenAsync(fixture);
        await BrowserFixture.SignInAsync(watched.Page, userName, password);
        return watched;
    }

    /// <summary>Fails the test with every console error, page error or CSP violation seen.</summary>
    public void AssertNoErrors() =>
        Assert.True(Errors.IsEmpty, "console errors:\n" + string.Join("\n", Errors));

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
