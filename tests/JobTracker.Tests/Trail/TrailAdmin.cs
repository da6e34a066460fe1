using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// The admin as the trail tests act: signed in to the pages (<see cref="Pages"/>, "console") and through the API with a
/// new token of theirs (<see cref="Api"/>, "API token &lt;name&gt;"), with the entry either leaves (<see cref="Entry"/>).
/// </summary>
public sealed class TrailAdmin : IDisposable
{
    private TrailAdmin(HttpClient pages, HttpClient api, long id, string tokenName) => (Pages, Api, Id, TokenName) = (pages, api, id, tokenName);

    /// <summary>The admin's signed-in browser-like client.</summary>
    public HttpClient Pages { get; }

    /// <summary>A client that sends the admin's new token.</summary>
    public HttpClient Api { get; }

    /// <summary>The admin's user id.</summary>
    public long Id { get; }

    /// <summary>The name of the token <see cref="Api"/> sends ("trail …", new for each test).</summary>
    public string TokenName { get; }

    /// <summary>How an entry made through <see cref="Api"/> says it came.</summary>
    public string ApiVia => "API token " + TokenName;

    /// <summary>Signs the admin in and gives them a new API token.</summary>
    public static async Task<TrailAdmin> SignInAsync(JobTrackerApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var pages = await app.SignInAsync();
        var id = ApiFixture.UserId(app, JobTrackerApp.AdminUser);
        var tokenName = "trail " + Guid.NewGuid().ToString("N")[..8];
        var api = ApiFixture.Client(app, (await app.Services.GetRequiredService<ApiTokens>().CreateAsync(id, tokenName)).Secret);
        return new TrailAdmin(pages, api, id, tokenName);
    }

    /// <summary>The entry this admin's action leaves, from the loopback address, through the API or else the pages.</summary>
    public TrailEntry Entry(bool throughApi, string action, string objectKind, long? objectId, string? label, long? jobId = null, string? detail = null) =>
        new(action, objectKind, objectId, label, jobId, detail, Id, JobTrackerApp.AdminUser, throughApi ? ApiVia : ActivityActor.Console, TrailEntry.Loopback);

    public void Dispose()
    {
        Pages.Dispose();
        Api.Dispose();
    }
}
