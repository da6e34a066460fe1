namespace JobTracker.Jobs.Users;

/// <summary>A token just created: its id, its name and the secret, which is shown this once and never stored.</summary>
public sealed record CreatedApiToken(long Id, string Name, string Secret);
