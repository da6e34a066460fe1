using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Locks a user's account after <see cref="SignInSettings.LockoutFailures"/> wrong passwords in a row, for
/// <see cref="SignInSettings.LockoutDuration"/>. While it is locked the sign-in form checks no password
/// for it (no hashing work for whoever guesses); a right password afterwards starts the count again
/// (<see cref="Sessions.StartAsync"/>).
/// </summary>
public sealed class SignInLockout(Database database, IOptions<SignInSettings> options, ActivityTrail activity, ILogger<SignInLockout> logger)
{
    /// <summary>
    /// Counts a wrong password for the user. Returns the time the account is locked until when it is
    /// locked now (by this failure, or by another at the same moment), otherwise null. With <paramref name="actor"/>
    /// (who tried, from where), the activity trail gets a "Failed sign-in" entry saying <paramref name="failure"/>, and
    /// "Account locked" when this failure locks it.
    /// </summary>
    public async Task<DateTime?> RecordFailureAsync(
        long userId, CancellationToken cancellationToken = default, ActivityActor? actor = null, string failure = "wrong password")
    {
        var settings = options.Value;
        if (actor is not null)
            await activity.RecordAsync(actor, ActivityActions.SignInFailed, ActivityObjects.User, userId, actor.Name, null, failure, cancellationToken);
        if (settings.LockoutFailures <= 0) return null;
        var now = DateTime.UtcNow;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One statement: every right-hand side reads the row as it was, so the count and the lock move together.
        await connection.ExecuteAsync("""
            UPDATE users
               SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= @Limit THEN 0 ELSE failed_sign_ins + 1 END,
                   locked_until = CASE WHEN failed_sign_ins + 1 >= @Limit THEN @Until ELSE NULL END
             WHERE id = @userId AND (locked_until IS NULL OR locked_until <= @now)
            """, new { Limit = settings.LockoutFailures, Until = now + settings.LockoutDuration, userId, now }, transaction);
        var (userName, lockedUntil) = await connection.QuerySingleOrDefaultAsync<(string, DateTime?)>(
            "SELECT user_name, locked_until FROM users WHERE id = @userId", new { userId }, transaction);
        var lockedNow = lockedUntil is { } locked && locked > now;
        if (lockedNow && actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.Lockout, ActivityObjects.User, userId, userName, null,
                $"after {settings.LockoutFailures} wrong passwords");
        await transaction.CommitAsync(cancellationToken);
        if (lockedUntil is not { } until || until <= now) return null;
        logger.LogWarning("The account {UserName} is locked until {LockedUntil:u} after {Failures} wrong passwords", userName, until, settings.LockoutFailures);
        return until;
    }
}
