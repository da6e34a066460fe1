using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JobTracker.Tests.Users;

/// <summary>
/// Roles, disabling, passwords and the sessions they end, through the services the pages call, on the
/// suite's database (SQLite file or PostgreSQL schema). Hashing is the caller's: here a marker.
/// </summary>
public sealed class UserLifecycleTests : IDisposable
{
    private const string Password = "twelve chars";
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private Sessions Sessions => new(engine.Database, Options.Create(new SignInSettings()), new JobTracker.Jobs.Activity.ActivityTrail(engine.Database), NullLogger<Sessions>.Instance);

    private static string Hash(string password) => "hashed:" + password;

    private Task<long> AddAsync(string userName, string role) => engine.Users.AddAsync(userName, role, Password, Hash, "tester");

    private (string Role, DateTime? DisabledAt, string PasswordHash) Row(long userId)
    {
        using var connection = engine.Database.Open();
        return connection.QuerySingle<(string, DateTime?, string)>("SELECT role, disabled_at, password_hash FROM users WHERE id = @userId", new { userId });
    }

    private List<(long Id, string? Reason)> SessionRows(long userId)
    {
        using var connection = engine.Database.Open();
        return connection.Query<(long, string?)>("SELECT id, ended_reason FROM sessions WHERE user_id = @userId ORDER BY id", new { userId }).AsList();
    }

    [Fact]
    public async Task The_minimum_password_length_is_12_unless_configured()
    {
        Assert.Equal(12, engine.Users.MinimumPasswordLength);
        await AddAsync("twelve", Roles.Viewer);
        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.AddAsync("eleven", Roles.Viewer, "eleven char", Hash, "tester"));
        Assert.Equal(new InputProblem("Password", "The password needs at least 12 characters."), Assert.Single(refused.Problems));

        var strict = new UserAdministration(engine.Database, Options.Create(new SignInSettings { MinimumPasswordLength = 20 }), new JobTracker.Jobs.Activity.ActivityTrail(engine.Database), NullLogger<UserAdministration>.Instance);
        var id = await AddAsync("bob", Roles.Viewer);
        var tooShort = await Assert.ThrowsAsync<ChangeRefusedException>(() => strict.ChangeOwnPasswordAsync(id, 0, "nineteen characters", Hash));
        Assert.Equal(new InputProblem("NewPassword", "The new password needs at least 20 characters."), Assert.Single(tooShort.Problems));
        Assert.Equal("hashed:" + Password, Row(id).PasswordHash);
    }

    [Fact]
    public async Task A_role_changes_and_the_users_sessions_go_on_with_it()
    {
        var id = await AddAsync("bob", Roles.Viewer);
        var token = await Sessions.StartAsync(id, "10.0.0.1", "tests");

        Assert.True(await engine.Users.ChangeRoleAsync(id, Roles.Support, "admin"));

        Assert.Equal(Roles.Support, Row(id).Role);
        Assert.Equal(Roles.Support, (await Sessions.FindLiveAsync(token))?.Role);
        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.ChangeRoleAsync(id, "boss", "admin"));
        Assert.Equal("Role", Assert.Single(refused.Problems).Field);
        Assert.False(await engine.Users.ChangeRoleAsync(999, Roles.Viewer, "admin"));
    }

    [Fact]
    public async Task Disabling_ends_every_session_at_once_and_enabling_lets_the_user_in_again()
    {
        var id = await AddAsync("bob", Roles.Support);
        var first = await Sessions.StartAsync(id, null, null);
        var second = await Sessions.StartAsync(id, null, null);

        Assert.True(await engine.Users.SetDisabledAsync(id, true, "admin"));

        Assert.NotNull(Row(id).DisabledAt);
        Assert.Null(await Sessions.FindLiveAsync(first));
        Assert.Null(await Sessions.FindLiveAsync(second));
        Assert.All(SessionRows(id), row => Assert.Equal(Sessions.Reasons.UserDisabled, row.Reason));

        Assert.True(await engine.Users.SetDisabledAsync(id, false, "admin"));
        Assert.Null(Row(id).DisabledAt);
        Assert.Null(await Sessions.FindLiveAsync(first));
        Assert.NotNull(await Sessions.FindLiveAsync(await Sessions.StartAsync(id, null, null)));
    }

    [Fact]
    public async Task Enabling_a_locked_user_lifts_the_lock()
    {
        var id = await AddAsync("bob", Roles.Viewer);
        var lockout = new SignInLockout(engine.Database, Options.Create(new SignInSettings { LockoutFailures = 1 }), new JobTracker.Jobs.Activity.ActivityTrail(engine.Database), NullLogger<SignInLockout>.Instance);
        Assert.NotNull(await lockout.RecordFailureAsync(id));

        Assert.True(await engine.Users.SetDisabledAsync(id, false, "admin"));

        using var connection = engine.Database.Open();
        Assert.Null(connection.ExecuteScalar<DateTime?>("SELECT locked_until FROM users WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task The_last_active_admin_can_be_neither_disabled_nor_demoted()
    {
        using (var connection = engine.Database.Open()) connection.Execute("DELETE FROM users");
        var admin = await AddAsync("root", Roles.Admin);
        var other = await AddAsync("second", Roles.Admin);
        await engine.Users.SetDisabledAsync(other, true, "root");

        var disable = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.SetDisabledAsync(admin, true, "root"));
        var demote = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.ChangeRoleAsync(admin, Roles.Viewer, "root"));

        Assert.Equal("root is the last active admin and cannot be disabled. Make another user an admin first.", Assert.Single(disable.Problems).Message);
        Assert.Equal("root is the last active admin, so their role stays admin. Make another user an admin first.", Assert.Single(demote.Problems).Message);
        Assert.Equal((Roles.Admin, (DateTime?)null), (Row(admin).Role, Row(admin).DisabledAt));

        // With a second active admin, either may go.
        await engine.Users.SetDisabledAsync(other, false, "root");
        Assert.True(await engine.Users.ChangeRoleAsync(admin, Roles.Viewer, "second"));
        await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Users.SetDisabledAsync(other, true, "second"));
    }

    [Fact]
    public async Task Two_admins_disabling_each_other_at_once_leave_one_active_admin()
    {
        using (var connection = engine.Database.Open()) connection.Execute("DELETE FROM users");
        var a = await AddAsync("a", Roles.Admin);
        var b = await AddAsync("b", Roles.Admin);

        var results = await Task.WhenAll(
            Task.Run(() => Outcome(engine.Users.SetDisabledAsync(a, true, "b"))),
            Task.Run(() => Outcome(engine.Users.SetDisabledAsync(b, true, "a"))));

        Assert.Equal(["disabled", "refused"], results.Order());
        using var check = engine.Database.Open();
        Assert.Equal(1, check.ExecuteScalar<long>("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL"));

        static async Task<string> Outcome(Task<bool> change)
        {
            try { return await change ? "disabled" : "missing"; }
            catch (ChangeRefusedException) { return "refused"; }
        }
    }

    [Fact]
    public async Task Changing_your_password_ends_your_other_sessions_and_keeps_this_one()
    {
        var id = await AddAsync("bob", Roles.Viewer);
        var here = await Sessions.StartAsync(id, null, "here");
        var elsewhere = await Sessions.StartAsync(id, null, "elsewhere");
        var current = (await Sessions.FindLiveAsync(here))!.Id;

        await engine.Users.ChangeOwnPasswordAsync(id, current, "a brand new password", Hash);

        Assert.Equal("hashed:a brand new password", Row(id).PasswordHash);
        Assert.NotNull(await Sessions.FindLiveAsync(here));
        Assert.Null(await Sessions.FindLiveAsync(elsewhere));
        Assert.Equal([(current, null), (current + 1, Sessions.Reasons.PasswordChanged)], SessionRows(id));
    }

    [Fact]
    public async Task A_reset_ends_every_session_but_the_one_kept()
    {
        var id = await AddAsync("bob", Roles.Admin);
        var one = await Sessions.StartAsync(id, null, null);
        var two = await Sessions.StartAsync(id, null, null);
        var keep = (await Sessions.FindLiveAsync(two))!.Id;

        await engine.Users.ResetPasswordAsync(id, "reset to this one", Hash, "bob", keepSessionId: keep);
        Assert.Null(await Sessions.FindLiveAsync(one));
        Assert.NotNull(await Sessions.FindLiveAsync(two));

        await engine.Users.ResetPasswordAsync(id, "and reset again", Hash, "admin");
        Assert.Null(await Sessions.FindLiveAsync(two));
        Assert.All(SessionRows(id), row => Assert.Equal(Sessions.Reasons.PasswordReset, row.Reason));
    }
}
