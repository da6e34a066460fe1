using System.Security.Cryptography;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Personal API tokens (the api_tokens table): a user creates named tokens for scripts that call the REST
/// API, and revokes them. A token is a random secret shown once, when it is created; the table keeps only
/// its SHA-256, like a session's. A token acts as its user with the user's role as it is now, and stops
/// working when it is revoked or its user is disabled.
/// </summary>
public sealed class ApiTokens(Database database, ActivityTrail activity, ILogger<ApiTokens> logger)
{
    public const int MaxNameLength = 100;

    /// <summary>Live tokens one user may hold at once.</summary>
    public const int MaxLiveTokensPerUser = 50;

    /// <summary>Every token starts with this, so that a secret scanner (or a person) recognises one in a file or a log.</summary>
    public const string Prefix = "jtk_";

    /// <summary>A token's last use is written at most this often, so that most API calls only read.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Creates a token named <paramref name="name"/> for a user and returns its id and the secret, which
    /// is not stored and cannot be shown again. Refused (<see cref="ChangeRefusedException"/> on Name) for
    /// a blank or too long name, a name the user's live tokens already have, or too many live tokens.
    /// </summary>
    public async Task<CreatedApiToken> CreateAsync(long userId, string? name, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) throw new ChangeRefusedException("Name", "Give the token a name that says where it is used, e.g. nightly-import script.");
        if (trimmed.Length > MaxNameLength) throw new ChangeRefusedException("Name", $"A token's name can have at most {MaxNameLength} characters.");

        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var live = (await connection.QueryAsync<string>(
            "SELECT name FROM api_tokens WHERE user_id = @userId AND revoked_at IS NULL", new { userId }, transaction)).AsList();
        if (live.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
            throw new ChangeRefusedException("Name", $"You already have a token named \"{trimmed}\". Revoke it first, or choose another name.");
        if (live.Count >= MaxLiveTokensPerUser)
            throw new ChangeRefusedException("Name", $"You have {live.Count} tokens, the most one user may have. Revoke one you no longer use first.");
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("api_tokens", "user_id, name, hash, created_at", "@userId, @trimmed, @Hash, @Now"),
            new { userId, trimmed, Hash = Sessions.HashOf(secret), Now = DateTime.UtcNow }, transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.TokenCreate, ActivityObjects.ApiToken, id, trimmed, null);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("User {UserId} created API token {TokenId} ({TokenName})", userId, id, trimmed);
        return new CreatedApiToken(id, trimmed, secret);
    }

    /// <summary>Revokes one of a user's tokens. False when the user has no such live token.</summary>
    public async Task<bool> RevokeAsync(long userId, long tokenId, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var revoked = await connection.ExecuteAsync(
            "UPDATE api_tokens SET revoked_at = @Now WHERE id = @tokenId AND user_id = @userId AND revoked_at IS NULL",
            new { Now = DateTime.UtcNow, tokenId, userId }, transaction) > 0;
        if (revoked && actor is not null)
        {
            var name = await connection.QuerySingleAsync<string>("SELECT name FROM api_tokens WHERE id = @tokenId", new { tokenId }, transaction);
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.TokenRevoke, ActivityObjects.ApiToken, tokenId, name, null);
        }
        await transaction.CommitAsync(cancellationToken);
        if (revoked) logger.LogInformation("User {UserId} revoked API token {TokenId}", userId, tokenId);
        return revoked;
    }

    /// <summary>
    /// The user a token acts as, with their name and role as they are now, or null when the token is
    /// unknown, revoked, or its user disabled. Writes the token's last use when it is older than
    /// <see cref="TouchInterval"/>.
    /// </summary>
    public async Task<ApiTokenUser?> FindLiveAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 200) return null;
        var now = DateTime.UtcNow;
        await using var connection = await database.OpenAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<ApiTokenUser>("""
            SELECT t.id AS TokenId, t.name AS TokenName, t.last_used_at AS LastUsedAt, u.id AS UserId, u.user_name AS UserName, u.role AS Role
              FROM api_tokens t
              JOIN users u ON u.id = t.user_id
             WHERE t.hash = @Hash AND t.revoked_at IS NULL AND u.disabled_at IS NULL
            """, new { Hash = Sessions.HashOf(secret) });
        if (user is not null && (user.LastUsedAt is not { } last || now - last >= TouchInterval))
        {
            await connection.ExecuteAsync("UPDATE api_tokens SET last_used_at = @now WHERE id = @TokenId", new { now, user.TokenId });
            user = user with { LastUsedAt = now };
        }
        return user;
    }
}
