using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Server-side sign-in sessions (the sessions table). A session starts when a password is right and
/// ends at sign-out, when an admin ends it, when its user is disabled or their password changes, or
/// after <see cref="SignInSettings.SessionIdleTimeout"/> unused. The cookie carries a random token;
/// the table keeps only its SHA-256, so reading the table gives nobody a usable cookie.
/// </summary>
public sealed class Sessions(
    Database database, IOptions<SignInSettings> options, ActivityTrail activity, ILogger<Sessions> logger, LiveSessionCache? liveSessions = null)
{
    /// <summary>Why a session ended, as the sessions table keeps it.</summary>
    public static class Reasons
    {
        public const string SignedOut = "signed out";
        public const string PasswordChanged = "password changed";
        public const string PasswordReset = "password reset";
        public const string UserDisabled = "user disabled";

        public static string EndedBy(string admin) => "ended by " + admin;
    }

    private const int MaxUserAgent = 400;
    private const int MaxClientAddress = 100;

    /// <summary>Ended sessions are kept this long (for the Users page), then deleted at their user's next sign-in.</summary>
    private static readonly TimeSpan KeepEnded = TimeSpan.FromDays(30);

    private SignInSettings Settings => options.Value;

    /// <summary>
    /// Starts a session for a user whose password was right: clears their failed-password count and lock,
    /// and returns the token for the cookie (never stored as it is).
    /// </summary>
    public async Task<string> StartAsync(long userId, string? clientAddress, string? userAgent, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTime.UtcNow;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = @userId AND (failed_sign_ins <> 0 OR locked_until IS NOT NULL)",
            new { userId }, transaction);
        var cutoff = now - KeepEnded;
        await connection.ExecuteAsync(
            "DELETE FROM sessions WHERE user_id = @userId AND (ended_at < @cutoff OR last_seen_at < @cutoff)",
            new { userId, cutoff }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, client_address, user_agent)
            VALUES (@TokenHash, @userId, @now, @now, @ClientAddress, @UserAgent)
            """,
            new { TokenHash = HashOf(token), userId, now, ClientAddress = Cut(clientAddress, MaxClientAddress), UserAgent = Cut(userAgent, MaxUserAgent) },
            transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.SignIn, ActivityObjects.User, userId, actor.Name, null);
        await transaction.CommitAsync(cancellationToken);
        return token;
    }

    /// <summary>
    /// The live session this token opens, or null. Writes its last-seen time when it is older than
    /// <see cref="SignInSettings.SessionTouchInterval"/>, so most requests only read; a session read live less than
    /// <see cref="SignInSettings.SessionRecheck"/> ago is not read again (<see cref="LiveSessionCache"/>).
    /// </summary>
    public async Task<LiveSession?> FindLiveAsync(string token, CancellationToken cancellationToken = default)
    {
        var now = DateTime.UtcNow;
        var tokenHash = HashOf(token);
        if (liveSessions?.Find(tokenHash, now) is { } kept && now - kept.LastSeenAt < Settings.SessionTouchInterval) return kept;
        var generation = liveSessions?.Generation ?? 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        var session = await connection.QuerySingleOrDefaultAsync<LiveSession>("""
            SELECT s.id AS Id, s.user_id AS UserId, u.user_name AS UserName, u.role AS Role, s.last_seen_at AS LastSeenAt,
                   u.time_zone AS TimeZone
              FROM sessions s
              JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = @TokenHash AND s.ended_at IS NULL AND s.last_seen_at > @IdleCutoff AND u.disabled_at IS NULL
            """, new { TokenHash = tokenHash, IdleCutoff = now - Settings.SessionIdleTimeout });
        if (session is not null && now - session.LastSeenAt >= Settings.SessionTouchInterval)
        {
            await connection.ExecuteAsync(
                "UPDATE sessions SET last_seen_at = @now WHERE id = @Id AND ended_at IS NULL", new { now, session.Id });
            session = session with { LastSeenAt = now };
        }
        if (session is not null) liveSessions?.Keep(tokenHash, session, generation, now);
        return session;
    }

    /// <summary>Ends the session of this token (sign-out). False when it had ended already.</summary>
    public async Task<bool> EndAsync(string token, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ended = await connection.ExecuteAsync(
            "UPDATE sessions SET ended_at = @Now, ended_reason = @Reason WHERE token_hash = @TokenHash AND ended_at IS NULL",
            new { Now = DateTime.UtcNow, Reason = Reasons.SignedOut, TokenHash = HashOf(token) }, transaction) > 0;
        if (ended && actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.SignOut, ActivityObjects.User, actor.UserId, actor.Name, null);
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        return ended;
    }

    /// <summary>
    /// An admin ends one of a user's sessions (by its id); with <paramref name="actor"/>, the trail gets "End session" in
    /// the same transaction. False when it was not live (or not that user's).
    /// </summary>
    public async Task<bool> EndAsync(long userId, long sessionId, string endedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ended = await connection.ExecuteAsync(
            "UPDATE sessions SET ended_at = @Now, ended_reason = @Reason WHERE id = @sessionId AND user_id = @userId AND ended_at IS NULL",
            new { Now = DateTime.UtcNow, Reason = Reasons.EndedBy(endedBy), sessionId, userId }, transaction) > 0;
        if (ended && actor is not null)
            await RecordEndAsync(connection, transaction, actor, userId, $"session {sessionId}");
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        if (ended) logger.LogInformation("{Admin} ended session {SessionId} of user {UserId}", endedBy, sessionId, userId);
        return ended;
    }

    /// <summary>
    /// An admin ends every session of a user; with <paramref name="actor"/>, the trail gets "End session" (saying how many)
    /// in the same transaction when any was live. Returns how many were live.
    /// </summary>
    public async Task<int> EndAllAsync(long userId, string endedBy, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ended = await EndAllAsync(connection, transaction, userId, null, Reasons.EndedBy(endedBy));
        if (ended > 0 && actor is not null)
            await RecordEndAsync(connection, transaction, actor, userId, $"all sessions ({ended})");
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        logger.LogInformation("{Admin} ended {Count} sessions of user {UserId}", endedBy, ended, userId);
        return ended;
    }

    private async Task RecordEndAsync(DbConnection connection, DbTransaction transaction, ActivityActor actor, long userId, string detail)
    {
        var userName = await connection.QuerySingleAsync<string>("SELECT user_name FROM users WHERE id = @userId", new { userId }, transaction);
        await activity.RecordAsync(connection, transaction, actor, ActivityActions.SessionEnd, ActivityObjects.User, userId, userName, null, detail);
    }

    /// <summary>Ends a user's live sessions but <paramref name="exceptSessionId"/>, inside the caller's transaction.</summary>
    internal static Task<int> EndAllAsync(DbConnection connection, DbTransaction? transaction, long userId, long? exceptSessionId, string reason) =>
        connection.ExecuteAsync("""
            UPDATE sessions SET ended_at = @Now, ended_reason = @reason
             WHERE user_id = @userId AND ended_at IS NULL AND id <> @Except
            """, new { Now = DateTime.UtcNow, reason, userId, Except = exceptSessionId ?? 0 }, transaction);

    /// <summary>The stored form of a token: its SHA-256, in hex.</summary>
    public static string HashOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
