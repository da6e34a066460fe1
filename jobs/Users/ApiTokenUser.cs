namespace JobTracker.Jobs.Users;

/// <summary>A live API token and the user it acts as, named as they are now.</summary>
public sealed record ApiTokenUser
{
    public long TokenId { get; init; }
    public string TokenName { get; init; } = "";
    public DateTime? LastUsedAt { get; init; }
    public long UserId { get; init; }
    public string UserName { get; init; } = "";
    public string Role { get; init; } = "";
}
