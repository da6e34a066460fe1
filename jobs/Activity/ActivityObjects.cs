namespace JobTracker.Jobs.Activity;

/// <summary>The kinds of object an activity entry is about (activity.object_kind).</summary>
public static class ActivityObjects
{
    public const string Job = "job";
    public const string Schedule = "schedule";
    public const string Workspace = "workspace";
    public const string Collection = "collection";
    public const string User = "user";
    public const string ApiToken = "token";
    public const string Webhook = "webhook";

    /// <summary>Every kind, for the page's filter.</summary>
    public static IReadOnlyList<string> All { get; } = [Job, Schedule, Workspace, Collection, User, ApiToken, Webhook];
}
