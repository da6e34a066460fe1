using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.TimeZones;

namespace JobTracker.Jobs.Users;

/// <summary>
/// Each user's time zone (an IANA id from the tz database NodaTime ships, such as Europe/Berlin), in which
/// the pages show every time; times stay stored in UTC. A user picks it on their Settings page; until then
/// the first sign-in from a browser that names its zone stores that one. A user with none sees UTC.
/// </summary>
public sealed class UserTimeZones(Database database, ActivityTrail activity, ILogger<UserTimeZones> logger, LiveSessionCache? liveSessions = null)
{
    /// <summary>The field a refused zone is reported on.</summary>
    public const string Field = "TimeZone";

    /// <summary>The zone ids the Settings page offers, sorted: UTC and the tz database's canonical ids (aliases are accepted too).</summary>
    public static IReadOnlyList<string> Ids { get; } =
        [.. TzdbDateTimeZoneSource.Default.CanonicalIdMap.Where(pair => pair.Key == pair.Value).Select(pair => pair.Key)
            .Append("UTC").Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The zone of an IANA id (any id or alias the tz database knows), or null for a blank or unknown one.</summary>
    public static DateTimeZone? Find(string? id) =>
        string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id.Trim());

    /// <summary>The zone of a stored id; UTC when there is none (or it is no longer known).</summary>
    public static DateTimeZone OrUtc(string? id) => Find(id) ?? DateTimeZone.Utc;

    /// <summary>
    /// A user picks their zone. An unknown id is refused (<see cref="ChangeRefusedException"/> on
    /// <see cref="Field"/>); nothing is written then. Returns the stored id (the trimmed one given).
    /// </summary>
    public async Task<string> SetAsync(long userId, string? timeZone, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        var zone = Find(timeZone) ?? throw new ChangeRefusedException(Field, string.IsNullOrWhiteSpace(timeZone)
            ? "Choose a time zone, such as Europe/Berlin or America/New_York."
            : $"\"{Shorten(timeZone.Trim())}\" is not a time zone we know. Choose one from the list, such as Europe/Berlin or America/New_York.");
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = timeZone!.Trim();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE users SET time_zone = @id WHERE id = @userId", new { id, userId }, transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.TimeZoneChange, ActivityObjects.User, userId, actor.Name, null, id);
        await transaction.CommitAsync(cancellationToken);
        liveSessions?.Changed();
        logger.LogInformation("User {UserId} chose the time zone {TimeZone} ({ZoneId})", userId, id, zone.Id);
        return id;
    }

    /// <summary>
    /// At sign-in: stores the zone the browser named for a user who has none yet. An unknown or blank id
    /// is ignored (the user keeps seeing UTC, and a later sign-in may name a known zone). A user who has a
    /// zone keeps it. True when it stored the zone.
    /// </summary>
    public async Task<bool> SetIfUnsetAsync(long userId, string? browserTimeZone, CancellationToken cancellationToken = default)
    {
        if (Find(browserTimeZone) is null) return false;
        var id = browserTimeZone!.Trim();
        await using var connection = await database.OpenAsync(cancellationToken);
        var stored = await connection.ExecuteAsync(
            "UPDATE users SET time_zone = @id WHERE id = @userId AND time_zone IS NULL", new { id, userId }) > 0;
        if (stored)
        {
            liveSessions?.Changed();
            logger.LogInformation("User {UserId} took the time zone {TimeZone} from their browser at sign-in", userId, id);
        }
        return stored;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
