namespace JobTracker.Jobs.Users;

/// <summary>A session that is still good: not ended, used recently enough, its user not disabled. Names the user as they are now.</summary>
public sealed record LiveSession
{
    public long Id { get; init; }
    public long UserId { get; init; }
    public string UserName { get; init; } = "";
    public string Role { get; init; } = "";
    public DateTime LastSeenAt { get; init; }

    /// <summary>The user's time zone (an IANA id), null when they have none yet: pages show UTC then.</summary>
    public string? TimeZone { get; init; }
}
