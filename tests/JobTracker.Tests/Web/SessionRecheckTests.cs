using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// <see cref="SessionChecks"/> with a session found live kept for 5 s (JobTracker:SignIn:SessionRecheck, as in
/// production): every change made on this node still stops the cookies concerned at their next request. A change
/// another node makes (here: straight in the database) takes effect within the 5 s.
/// </summary>
public sealed class SessionRecheckTests(SessionRecheckTests.Node node) : SessionChecks(node.App), IClassFixture<SessionRecheckTests.Node>
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    /// <summary>The app with JobTracker:SignIn:SessionRecheck at 5 s.</summary>
    public sealed class Node : IDisposable
    {
        public JobTrackerApp App { get; } = new() { Settings = new Dictionary<string, string> { ["JobTracker:SignIn:SessionRecheck"] = "00:00:05" } };

        public void Dispose() => App.Dispose();
    }

    [Fact]
    public async Task A_session_ended_by_another_node_is_refused_within_the_recheck_time_and_kept_until_then()
    {
        var user = node.App.CreateUser(Roles.Support);
        using var client = await node.App.SignInAsync(user);
        await AssertSignedInAsync(client, user);
        var read = DateTime.UtcNow;

        // Another node ends every session of the user: this node's cookie check does not read the table again at once.
        using (var connection = node.App.Database.Open())
            connection.Execute("UPDATE sessions SET ended_at = @now, ended_reason = 'elsewhere' WHERE user_id = @id", new { now = DateTime.UtcNow, id = UserId(user) });
        await AssertSignedInAsync(client, user);
        Assert.True(DateTime.UtcNow - read < Recheck, "the second request came within the recheck time");

        while (DateTime.UtcNow < read + Recheck) await Task.Delay(200);
        await AssertSignedOutAsync(client);
    }
}
