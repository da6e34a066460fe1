using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JobTracker.Tests.Users;

/// <summary>Server-side sessions and the lockout, through the services sign-in calls, on the suite's database.</summary>
public sealed class SessionsTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private Sessions SessionsWith(SignInSettings settings) => new(engine.Database, Options.Create(settings), new JobTracker.Jobs.Activity.ActivityTrail(engine.Database), NullLogger<Sessions>.Instance);

    private SignInLockout LockoutWith(SignInSettings settings) => new(engine.Database, Options.Create(settings), new JobTracker.Jobs.Activity.ActivityTrail(engine.Database), NullLogger<SignInLockout>.Instance);

    private Task<long> AddAsync(string userName) => engine.Users.AddAsync(userName, Roles.Support, "twelve chars", p => "hashed:" + p, "tester");

    private T Scalar<T>(string sql, object parameters)
    {
        using var connection = engine.Database.Open();
        return connection.ExecuteScalar<T>(sql, parameters)!;
    }

    [Fact]
    public async Task A_session_is_found_by_its_token_only_and_the_table_keeps_just_a_hash()
    {
        var sessions = SessionsWith(new SignInSettings());
        var id = await AddAsync("bob");
        var token = await sessions.StartAsync(id, "192.0.2.7", new string('x', 1000));

        var live = await sessions.FindLiveAsync(token);
        Assert.NotNull(live);
        Assert.Equal((id, "bob", Roles.Support), (live.UserId, live.UserName, live.Role));
        Assert.Null(await sessions.FindLiveAsync(token + "x"));
        Assert.True(token.Length >= 43, "at least 256 random bits");
        Assert.Equal(0, Scalar<long>("SELECT COUNT(*) FROM sessions WHERE token_hash = @token", new { token }));
        Assert.Equal(Sessions.HashOf(token), Scalar<string>("SELECT token_hash FROM sessions WHERE id = @Id", new { live.Id }));
        Assert.Equal(400, Scalar<string>("SELECT user_agent FROM sessions WHERE id = @Id", new { live.Id }).Length);
        Assert.Equal("192.0.2.7", Scalar<string>("SELECT client_address FROM sessions WHERE id = @Id", new { live.Id }));
    }

    [Fact]
    public async Task Last_seen_is_written_at_most_once_per_touch_interval()
    {
        var id = await AddAsync("bob");
        var token = await SessionsWith(new SignInSettings()).StartAsync(id, null, null);
        var started = Scalar<DateTime>("SELECT last_seen_at FROM sessions WHERE user_id = @id", new { id });

        await Task.Delay(50);
        await SessionsWith(new SignInSettings { SessionTouchInterval = TimeSpan.FromMinutes(1) }).FindLiveAsync(token);
        Assert.Equal(started, Scalar<DateTime>("SELECT last_seen_at FROM sessions WHERE user_id = @id", new { id }));

        var touched = await SessionsWith(new SignInSettings { SessionTouchInterval = TimeSpan.FromMilliseconds(10) }).FindLiveAsync(token);
        var seen = Scalar<DateTime>("SELECT last_seen_at FROM sessions WHERE user_id = @id", new { id });
        Assert.True(seen > started, $"last seen {seen:O} should be after {started:O}");
        Assert.Equal(seen, touched!.LastSeenAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_session_idle_longer_than_the_timeout_is_over()
    {
        var id = await AddAsync("bob");
        var token = await SessionsWith(new SignInSettings()).StartAsync(id, null, null);
        await Task.Delay(300);

        Assert.Null(await SessionsWith(new SignInSettings { SessionIdleTimeout = TimeSpan.FromMilliseconds(200) }).FindLiveAsync(token));
        Assert.NotNull(await SessionsWith(new SignInSettings()).FindLiveAsync(token));
    }

    [Fact]
    public async Task Sign_out_ends_one_session_and_an_admin_ends_one_or_all()
    {
        var sessions = SessionsWith(new SignInSettings());
        var bob = await AddAsync("bob");
        var eve = await AddAsync("eve");
        var a = await sessions.StartAsync(bob, null, null);
        var b = await sessions.StartAsync(bob, null, null);
        var c = await sessions.StartAsync(bob, null, null);
        var evesToken = await sessions.StartAsync(eve, null, null);

        Assert.True(await sessions.EndAsync(a));
        Assert.False(await sessions.EndAsync(a));
        Assert.Null(await sessions.FindLiveAsync(a));
        Assert.NotNull(await sessions.FindLiveAsync(b));

        var bId = (await sessions.FindLiveAsync(b))!.Id;
        Assert.False(await sessions.EndAsync(eve, bId, "admin"), "a session is ended only under its own user");
        Assert.True(await sessions.EndAsync(bob, bId, "admin"));
        Assert.Null(await sessions.FindLiveAsync(b));
        Assert.Equal("ended by admin", Scalar<string>("SELECT ended_reason FROM sessions WHERE id = @bId", new { bId }));

        Assert.Equal(1, await sessions.EndAllAsync(bob, "admin"));
        Assert.Null(await sessions.FindLiveAsync(c));
        Assert.NotNull(await sessions.FindLiveAsync(evesToken));
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_for_the_lockout_duration_then_count_again()
    {
        var settings = new SignInSettings { LockoutFailures = 3, LockoutDuration = TimeSpan.FromSeconds(1) };
        var lockout = LockoutWith(settings);
        var id = await AddAsync("bob");

        Assert.Null(await lockout.RecordFailureAsync(id));
        Assert.Null(await lockout.RecordFailureAsync(id));
        var before = DateTime.UtcNow;
        var until = await lockout.RecordFailureAsync(id);

        Assert.NotNull(until);
        Assert.InRange(until.Value, before.AddSeconds(0.9), DateTime.UtcNow.AddSeconds(1.1));
        Assert.Equal(until, await lockout.RecordFailureAsync(id));
        Assert.Equal(0, Scalar<long>("SELECT failed_sign_ins FROM users WHERE id = @id", new { id }));

        await Task.Delay(until.Value - DateTime.UtcNow + TimeSpan.FromMilliseconds(100));
        Assert.Null(await lockout.RecordFailureAsync(id));
        Assert.Null(Scalar<DateTime?>("SELECT locked_until FROM users WHERE id = @id", new { id }));
        Assert.Equal(1, Scalar<long>("SELECT failed_sign_ins FROM users WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task A_good_sign_in_starts_the_count_again_and_zero_failures_never_locks()
    {
        var lockout = LockoutWith(new SignInSettings { LockoutFailures = 2 });
        var id = await AddAsync("bob");

        Assert.Null(await lockout.RecordFailureAsync(id));
        await SessionsWith(new SignInSettings()).StartAsync(id, null, null);
        Assert.Equal(0, Scalar<long>("SELECT failed_sign_ins FROM users WHERE id = @id", new { id }));
        Assert.Null(await lockout.RecordFailureAsync(id));
        Assert.NotNull(await lockout.RecordFailureAsync(id));

        var never = LockoutWith(new SignInSettings { LockoutFailures = 0 });
        var other = await AddAsync("eve");
        for (var i = 0; i < 10; i++) Assert.Null(await never.RecordFailureAsync(other));
    }
}
