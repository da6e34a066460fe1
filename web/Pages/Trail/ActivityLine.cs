namespace JobTracker.Web.Pages.Trail;

/// <summary>One entry of the activity trail, as the Activity page, Job Details and GET /api/v1/activity show it.</summary>
public sealed record ActivityLine
{
    public long Id { get; init; }
    public DateTime AtUtc { get; init; }
    public long? ActorUserId { get; init; }
    public string ActorName { get; init; } = "";
    public string? Via { get; init; }
    public string Action { get; init; } = "";
    public string ObjectKind { get; init; } = "";
    public long? ObjectId { get; init; }
    public string? ObjectLabel { get; init; }
    public long? JobId { get; init; }
    public string? Detail { get; init; }
    public string? ClientAddress { get; init; }

    public const string Columns =
        "id AS Id, at_utc AS AtUtc, actor_user_id AS ActorUserId, actor_name AS ActorName, via AS Via, action AS Action, " +
        "object_kind AS ObjectKind, object_id AS ObjectId, object_label AS ObjectLabel, job_id AS JobId, detail AS Detail, client_address AS ClientAddress";

    /// <summary>The console page of the entry's object, or null when it has none (an API token, an unknown user name).</summary>
    public string? ObjectPath => (ObjectKind, ObjectId) switch
    {
        ("job", { } id) => $"/Jobs/{id}",
        ("workspace", { } id) => $"/Workspaces/{id}",
        ("collection", { } id) => $"/Collections/{id}",
        ("user", { } id) => $"/Users/{id}",
        ("webhook", { } id) => $"/Webhooks/{id}",
        _ when JobId is { } job => $"/Jobs/{job}",
        _ => null,
    };
}
