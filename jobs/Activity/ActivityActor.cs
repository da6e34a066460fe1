using System.Globalization;

namespace JobTracker.Jobs.Activity;

/// <summary>
/// Who did something, as the activity trail records it: a user (id and name as they are now) with how they came
/// (<see cref="Console"/> or "API token &lt;name&gt;") and the client's address, or a system actor (no user, no address):
/// <see cref="Worker"/>, <see cref="Schedule"/>, <see cref="Retention"/>.
/// </summary>
public sealed record ActivityActor(long? UserId, string Name, string? Via, string? Address)
{
    /// <summary>How a person acts through the pages.</summary>
    public const string Console = "console";

    /// <summary>A user in the console.</summary>
    public static ActivityActor InConsole(long? userId, string name, string? address) => new(userId, name, Console, address);

    /// <summary>A user through the API with one of their tokens.</summary>
    public static ActivityActor ThroughApi(long? userId, string name, string tokenName, string? address) =>
        new(userId, name, "API token " + tokenName, address);

    /// <summary>A system actor: no user, no address.</summary>
    public static ActivityActor System(string name) => new(null, name, null, null);

    /// <summary>The worker that runs jobs (a job's final status).</summary>
    public static ActivityActor Worker { get; } = System("worker");

    /// <summary>The nightly cleanup (retention).</summary>
    public static ActivityActor Retention { get; } = System("retention");

    /// <summary>A schedule that fired (or skipped a fire).</summary>
    public static ActivityActor Schedule(string scheduleName) => System("schedule " + scheduleName);

    /// <summary>Only a name is known (a caller that passes none of the above): recorded as that name, no user id.</summary>
    public static ActivityActor Named(string name) => new(null, name, null, null);

    /// <summary>The user id as text, for logs.</summary>
    public override string ToString() => UserId is { } id ? $"{Name} (user {id.ToString(CultureInfo.InvariantCulture)})" : Name;
}
