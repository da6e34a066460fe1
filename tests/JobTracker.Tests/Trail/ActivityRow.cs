using Dapper;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Trail;

/// <summary>An activity row as the tests read it straight from the table.</summary>
public sealed record ActivityRow
{
    public long Id { get; init; }
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

    /// <summary>The entries written after <paramref name="mark"/> (<see cref="Mark"/>), oldest first.</summary>
    public static List<ActivityRow> After(JobTrackerApp app, long mark) => Where(app, "id > @mark", new { mark });

    /// <summary>The entries on job <paramref name="jobId"/>, oldest first.</summary>
    public static List<ActivityRow> OfJob(JobTrackerApp app, long jobId) => Where(app, "job_id = @jobId", new { jobId });

    /// <summary>The newest entry's id: what an action writes next comes <see cref="After"/> it.</summary>
    public static long Mark(JobTrackerApp app)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long?>("SELECT MAX(id) FROM activity") ?? 0;
    }

    private static List<ActivityRow> Where(JobTrackerApp app, string condition, object parameters)
    {
        using var connection = app.Database.Open();
        return connection.Query<ActivityRow>($"""
            SELECT id AS Id, actor_user_id AS ActorUserId, actor_name AS ActorName, via AS Via, action AS Action, object_kind AS ObjectKind,
                   object_id AS ObjectId, object_label AS ObjectLabel, job_id AS JobId, detail AS Detail, client_address AS ClientAddress
              FROM activity WHERE {condition} ORDER BY id
            """, parameters).AsList();
    }
}
