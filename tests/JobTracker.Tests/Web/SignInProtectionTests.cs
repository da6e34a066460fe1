using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Rate limits on the sign-in POST (per client address, per user name) and the lockout after wrong passwords,
/// over real HTTP, each on an app of its own with low limits (the other tests' apps set them high).
/// </summary>
public sealed partial class SignInProtectionTests
{
    private static async Task<(HttpStatusCode Status, string? Error)> TryAsync(HttpClient client, string userName, string password)
    {
        using var response = await JobTrackerApp.PostSignInAsync(client, userName, password);
        return (response.StatusCode, Html.Text(await response.Content.ReadAsStringAsync(), "login-error"));
    }

    [Fact]
    public async Task Too_many_attempts_from_one_client_get_429_and_the_form_says_how_long_to_wait()
    {
        await using var app = new JobTrackerApp { SignIn = new Dictionary<string, string> { ["ClientPermits"] = "3", ["Window"] = "00:00:03" } };
        using var client = app.CreateBrowserLikeClient();

        for (var i = 0; i < 3; i++)
            Assert.Equal((HttpStatusCode.OK, "The user name or password is not right."), await TryAsync(client, $"nobody-{i}", "guess"));

        using var refused = await JobTrackerApp.PostSignInAsync(client, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var message = Html.Text(page, "login-error")!;
        var seconds = int.Parse(RefusedFromHere().Match(message).Groups[1].Value);
        Assert.InRange(seconds, 1, 3);
        Assert.Equal(seconds.ToString(), refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("data-testid=\"sign-in\"", page);
        Assert.Null(Html.Text(page, "signed-in-user"));
        using (var home = await client.GetAsync("/")) Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);

        // The form itself is not limited, and the next window lets the right password in.
        using (var form = await client.GetAsync("/Account/Login")) Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(seconds + 0.5));
        using var later = await JobTrackerApp.PostSignInAsync(client, JobTrackerApp.AdminUser, JobTrackerApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
    }

    [Fact]
    public async Task Too_many_attempts_for_one_user_name_get_429_whatever_the_client_and_other_names_go_on()
    {
        await using var app = new JobTrackerApp { SignIn = new Dictionary<string, string> { ["UserNamePermits"] = "2", ["LockoutFailures"] = "0" } };
        var viewer = app.CreateUser(Roles.Viewer);
        using var first = app.CreateBrowserLikeClient();
        using var second = app.CreateBrowserLikeClient();

        Assert.Equal(HttpStatusCode.OK, (await TryAsync(first, viewer, "wrong one")).Status);
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(second, viewer.ToUpperInvariant(), "wrong two")).Status);
        var (status, error) = await TryAsync(second, viewer, JobTrackerApp.UserPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Matches(RefusedForUserName(), error);
        using (var home = await second.GetAsync("/")) Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        using var admin = await app.SignInAsync();
        Assert.Equal(JobTrackerApp.AdminUser, Html.Text(await admin.GetStringAsync("/"), "signed-in-user"));
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_until_the_time_the_form_gives_then_it_opens_by_itself()
    {
        await using var app = new JobTrackerApp { SignIn = new Dictionary<string, string> { ["LockoutFailures"] = "3", ["LockoutDuration"] = "00:00:02" } };
        var support = app.CreateUser(Roles.Support);
        using var client = app.CreateBrowserLikeClient();

        Assert.Equal((HttpStatusCode.OK, "The user name or password is not right."), await TryAsync(client, support, "wrong"));
        Assert.Equal((HttpStatusCode.OK, "The user name or password is not right."), await TryAsync(client, support, "wrong"));
        var before = DateTime.UtcNow;
        var (_, locked) = await TryAsync(client, support, "wrong");
        var until = LockedUntil(locked);
        Assert.InRange(until, before.AddSeconds(1), DateTime.UtcNow.AddSeconds(3));

        // Locked: even the right password is refused, and a wrong one does not move the lock.
        Assert.Equal(locked, (await TryAsync(client, support, JobTrackerApp.UserPassword)).Error);
        Assert.Equal(locked, (await TryAsync(client, support, "wrong")).Error);
        using (var home = await client.GetAsync("/")) Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        using (var admin = await app.SignInAsync())
        {
            var users = await admin.GetStringAsync("/Users");
            Assert.Equal("LOCKED", Html.Attribute(Html.Tags(users, "user-row").Single(t => Html.Attribute(t, "data-user-name") == support), "data-state"));
        }

        await Task.Delay(until - DateTime.UtcNow + TimeSpan.FromSeconds(1.2));
        using var open = await JobTrackerApp.PostSignInAsync(client, support, JobTrackerApp.UserPassword);
        Assert.Equal(HttpStatusCode.Redirect, open.StatusCode);
        using var connection = app.Database.Open();
        Assert.Equal((0L, (DateTime?)null), connection.QuerySingle<(long, DateTime?)>(
            "SELECT failed_sign_ins, locked_until FROM users WHERE user_name = @support", new { support }));
    }

    /// <summary>The time in "… locked after too many wrong passwords, until 2025-01-02 03:04:05 UTC. …" (whole seconds, rounded up).</summary>
    private static DateTime LockedUntil(string? message)
    {
        var match = LockedMessage().Match(message ?? "");
        Assert.True(match.Success, $"not the lockout message: {message}");
        return DateTime.SpecifyKind(DateTime.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc).AddSeconds(1);
    }

    [GeneratedRegex("^Too many sign-in attempts from here\\. Try again in (\\d+) seconds\\.$")]
    private static partial Regex RefusedFromHere();

    [GeneratedRegex("^Too many sign-in attempts for this user name\\. Try again in \\d+ seconds\\.$")]
    private static partial Regex RefusedForUserName();

    [GeneratedRegex("^This account is locked after too many wrong passwords, until (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) UTC\\. Try again then, or ask an admin to enable it\\.$")]
    private static partial Regex LockedMessage();
}
