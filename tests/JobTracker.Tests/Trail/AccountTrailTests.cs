using System.Net;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Api;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Trail;

/// <summary>
/// Each action on users and accounts, through its page's form over real HTTP (antiforgery field and all), leaves exactly
/// one activity entry with its actor, "console", action, object, detail and the client's address; a lockout leaves its
/// "Account locked" entry next to the failed attempt that caused it.
/// </summary>
public sealed class AccountTrailTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    private const string Console = ActivityActor.Console;
    private const string Loopback = TrailEntry.Loopback;
    private const string NewPassword = "a brand new long password";

    public static TheoryData<string> Actions =>
    [
        "create user", "change role", "disable user", "enable user", "reset password", "change password", "change time zone",
        "create API token", "revoke API token", "end session", "end all sessions",
    ];

    private long UserId(string userName) => ApiFixture.UserId(app, userName);

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_account_action_leaves_exactly_one_entry_with_its_actor_object_and_address(string action)
    {
        using var admin = await app.SignInAsync();
        var adminId = UserId(JobTrackerApp.AdminUser);
        var userName = app.CreateUser(Roles.Viewer);
        var userId = UserId(userName);
        using var user = await app.SignInAsync(userName);
        long? tokenId = null;
        var tokenName = "script " + Guid.NewGuid().ToString("N")[..6];
        if (action == "enable user")
            await app.Services.GetRequiredService<UserAdministration>().SetDisabledAsync(userId, true, "test setup");
        if (action == "revoke API token")
            tokenId = (await app.Services.GetRequiredService<ApiTokens>().CreateAsync(userId, tokenName)).Id;

        var mark = ActivityRow.Mark(app);
        TrailEntry expected;
        switch (action)
        {
            case "create user":
            {
                var newName = "trail-" + Guid.NewGuid().ToString("N")[..6];
                var page = await TrailRequests.PostFormOkAsync(admin, "/Users", "Add",
                    new() { ["UserName"] = newName, ["Role"] = Roles.Support, ["Password"] = JobTrackerApp.UserPassword });
                Assert.Equal($"Added {newName} ({Roles.Support}).", Html.Text(page, "users-message"));
                expected = new(ActivityActions.UserCreate, ActivityObjects.User, UserId(newName), newName, null, Roles.Support,
                    adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            }
            case "change role":
                await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "Role", new() { ["role"] = Roles.Support });
                Assert.Equal(Roles.Support, Column<string>("SELECT role FROM users WHERE id = @userId", userId));
                expected = new(ActivityActions.UserRole, ActivityObjects.User, userId, userName, null, $"{Roles.Viewer} to {Roles.Support}",
                    adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            case "disable user":
                await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "Disable");
                Assert.NotNull(Column<DateTime?>("SELECT disabled_at FROM users WHERE id = @userId", userId));
                expected = new(ActivityActions.UserDisable, ActivityObjects.User, userId, userName, null, null, adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            case "enable user":
                await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "Enable");
                Assert.Null(Column<DateTime?>("SELECT disabled_at FROM users WHERE id = @userId", userId));
                expected = new(ActivityActions.UserEnable, ActivityObjects.User, userId, userName, null, null, adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            case "reset password":
            {
                var page = await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "ResetPassword", new() { ["newPassword"] = NewPassword });
                Assert.Equal($"The password of {userName} is reset; their other sessions are signed out.", Html.Text(page, "users-message"));
                expected = new(ActivityActions.UserPasswordReset, ActivityObjects.User, userId, userName, null, null,
                    adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            }
            case "change password":
            {
                var page = await TrailRequests.PostFormOkAsync(user, "/Account/Password", null, new()
                {
                    ["CurrentPassword"] = JobTrackerApp.UserPassword, ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword,
                });
                Assert.StartsWith("Your password is changed.", Html.Text(page, "password-message"));
                expected = new(ActivityActions.PasswordChange, ActivityObjects.User, userId, userName, null, null, userId, userName, Console, Loopback);
                break;
            }
            case "change time zone":
            {
                using var response = await TrailRequests.PostFormAsync(user, "/Account/Settings", "TimeZone", new() { ["timeZone"] = "Europe/Berlin" });
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                Assert.Equal("Europe/Berlin", Column<string>("SELECT time_zone FROM users WHERE id = @userId", userId));
                expected = new(ActivityActions.TimeZoneChange, ActivityObjects.User, userId, userName, null, "Europe/Berlin", userId, userName, Console, Loopback);
                break;
            }
            case "create API token":
            {
                await TrailRequests.PostFormOkAsync(user, "/Account/Tokens", "Create", new() { ["name"] = tokenName }, formPath: "/Account/Settings");
                var created = Column<long>("SELECT MAX(id) FROM api_tokens WHERE user_id = @userId", userId);
                expected = new(ActivityActions.TokenCreate, ActivityObjects.ApiToken, created, tokenName, null, null, userId, userName, Console, Loopback);
                break;
            }
            case "revoke API token":
            {
                var page = await TrailRequests.PostFormOkAsync(user, "/Account/Tokens", "Revoke", new() { ["tokenId"] = tokenId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                Assert.StartsWith("The token is revoked", Html.Text(page, "tokens-message"));
                expected = new(ActivityActions.TokenRevoke, ActivityObjects.ApiToken, tokenId, tokenName, null, null, userId, userName, Console, Loopback);
                break;
            }
            case "end session":
            {
                var sessionId = Column<long>("SELECT MAX(id) FROM sessions WHERE user_id = @userId AND ended_at IS NULL", userId);
                var page = await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "EndSession", new() { ["sessionId"] = sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                Assert.Equal($"Session {sessionId} of {userName} is ended: its cookie no longer works.", Html.Text(page, "users-message"));
                expected = new(ActivityActions.SessionEnd, ActivityObjects.User, userId, userName, null, $"session {sessionId}",
                    adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            }
            case "end all sessions":
            {
                var page = await TrailRequests.PostFormOkAsync(admin, $"/Users/{userId}", "EndAllSessions");
                Assert.Equal($"Ended 1 session of {userName}.", Html.Text(page, "users-message"));
                expected = new(ActivityActions.SessionEnd, ActivityObjects.User, userId, userName, null, "all sessions (1)",
                    adminId, JobTrackerApp.AdminUser, Console, Loopback);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "no such case");
        }
        expected.AssertOnlyEntryAfter(app, mark);
    }

    [Fact]
    public async Task The_wrong_password_that_locks_an_account_at_sign_in_leaves_its_failure_and_the_lockout()
    {
        var userName = app.CreateUser(Roles.Support);
        var userId = UserId(userName);
        var limit = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SignInSettings>>().Value.LockoutFailures;
        using var client = app.CreateBrowserLikeClient();
        for (var i = 1; i < limit; i++)
            using (await JobTrackerApp.PostSignInAsync(client, userName, "not the password")) { }

        var mark = ActivityRow.Mark(app);
        using (var locking = await JobTrackerApp.PostSignInAsync(client, userName, "not the password"))
            Assert.StartsWith("This account is locked", Html.Text(await locking.Content.ReadAsStringAsync(), "login-error"));
        using (var refused = await JobTrackerApp.PostSignInAsync(client, userName, JobTrackerApp.UserPassword))
            Assert.StartsWith("This account is locked", Html.Text(await refused.Content.ReadAsStringAsync(), "login-error"));

        // Whoever typed the name is not signed in: the entries name the user typed, with no user id, from their address.
        var entries = ActivityRow.After(app, mark);
        Assert.Equal(2, entries.Count);
        new TrailEntry(ActivityActions.SignInFailed, ActivityObjects.User, userId, userName, null, "wrong password", null, userName, Console, Loopback)
            .AssertIs(entries[0]);
        new TrailEntry(ActivityActions.Lockout, ActivityObjects.User, userId, userName, null, $"after {limit} wrong passwords", null, userName, Console, Loopback)
            .AssertIs(entries[1]);
    }

    [Fact]
    public async Task The_wrong_current_password_that_locks_an_account_on_the_password_page_leaves_its_failure_and_the_lockout()
    {
        var userName = app.CreateUser(Roles.Viewer);
        var userId = UserId(userName);
        var limit = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SignInSettings>>().Value.LockoutFailures;
        using var user = await app.SignInAsync(userName);
        var wrong = new Dictionary<string, string> { ["CurrentPassword"] = "not the password", ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword };
        for (var i = 1; i < limit; i++)
            Assert.Contains("The current password is not right.", await TrailRequests.PostFormOkAsync(user, "/Account/Password", null, new(wrong)));

        var mark = ActivityRow.Mark(app);
        Assert.Contains("This account is locked", await TrailRequests.PostFormOkAsync(user, "/Account/Password", null, new(wrong)));

        // The signed-in user tried: the entries carry their id.
        var entries = ActivityRow.After(app, mark);
        Assert.Equal(2, entries.Count);
        new TrailEntry(ActivityActions.SignInFailed, ActivityObjects.User, userId, userName, null, "wrong current password to change it", userId, userName, Console, Loopback)
            .AssertIs(entries[0]);
        new TrailEntry(ActivityActions.Lockout, ActivityObjects.User, userId, userName, null, $"after {limit} wrong passwords", userId, userName, Console, Loopback)
            .AssertIs(entries[1]);
    }

    private T Column<T>(string sql, long userId)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<T>(sql, new { userId })!;
    }
}
