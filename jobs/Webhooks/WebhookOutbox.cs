using System.Data.Common;
using System.Text.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Webhooks;

/// <summary>
/// Records webhook deliveries (the outbox): one webhook_deliveries row per subscribed endpoint, written in the
/// caller's transaction where the state change happens (a job's final status), so a crash loses nothing and a
/// rolled-back change sends nothing. <see cref="WebhookSender"/> sends the rows.
/// </summary>
public sealed class WebhookOutbox(Database database, IOptions<WebhookOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record FinishedJob
    {
        public long Id { get; init; }
        public string JobType { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Reason { get; init; }
        public long? TotalRows { get; init; }
        public long SucceededRows { get; init; }
        public long FailedRows { get; init; }
        public long CollectionId { get; init; }
        public string CollectionName { get; init; } = "";
        public string WorkspaceName { get; init; } = "";
        public long? ScheduleId { get; init; }
    }

    /// <summary>
    /// Job <paramref name="jobId"/> has just reached its final status in <paramref name="transaction"/>: job.finished
    /// (and job.failed when it is FAILED) for every endpoint that subscribes to it.
    /// </summary>
    public async Task RecordJobFinishedAsync(DbConnection connection, DbTransaction transaction, long jobId, DateTime now)
    {
        // Every job ends through here: with no endpoint for job events (the usual case) there is nothing to read or build.
        if (await connection.ExecuteScalarAsync<long>("""
                SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE events LIKE @finished OR events LIKE @failed)
                       THEN 1 ELSE 0 END
                """, new { finished = SubscribedTo(WebhookEvents.JobFinished), failed = SubscribedTo(WebhookEvents.JobFailed) },
                transaction) == 0)
            return;
        var job = await connection.QuerySingleAsync<FinishedJob>("""
            SELECT j.id AS Id, j.job_type AS JobType, j.status AS Status, j.status_reason AS Reason, j.total_rows AS TotalRows,
                   j.succeeded_rows AS SucceededRows, j.failed_rows AS FailedRows, c.id AS CollectionId, c.name AS CollectionName,
                   w.name AS WorkspaceName, j.schedule_id AS ScheduleId
              FROM jobs j
              JOIN collections c ON c.id = j.collection_id
              JOIN workspaces w ON w.id = c.workspace_id
             WHERE j.id = @jobId
            """, new { jobId }, transaction);
        string[] events = job.Status == Status.Failed ? [WebhookEvents.JobFinished, WebhookEvents.JobFailed] : [WebhookEvents.JobFinished];
        foreach (var name in events)
        {
            var body = JsonSerializer.Serialize(new
            {
                @event = name,
                occurredAt = now,
                jobId = job.Id,
                jobType = job.JobType,
                collectionId = job.CollectionId,
                collection = job.CollectionName,
                workspace = job.WorkspaceName,
                status = job.Status,
                rows = new { total = job.TotalRows, succeeded = job.SucceededRows, failed = job.FailedRows },
                reason = job.Reason,
                scheduleId = job.ScheduleId,
                links = Links($"/Jobs/{job.Id}", $"/api/v1/jobs/{job.Id}"),
            }, Json);
            await InsertAsync(connection, transaction, name, null, job.Id, job.ScheduleId, body, now);
        }
    }

    /// <summary>
    /// schedule.missed for each warning not recorded before (per endpoint: the warning's schedule, kind and time
    /// make its key), so a warning that lasts is sent once, not at every check.
    /// </summary>
    public async Task RecordScheduleWarningsAsync(IReadOnlyList<ScheduleWarning> warnings, DateTime now, CancellationToken cancellationToken = default)
    {
        if (warnings.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var warning in warnings)
        {
            var key = $"schedule:{warning.ScheduleId}:{warning.Kind}:{warning.At.Ticks}";
            var body = JsonSerializer.Serialize(new
            {
                @event = WebhookEvents.ScheduleMissed,
                occurredAt = now,
                scheduleId = warning.ScheduleId,
                schedule = warning.ScheduleName,
                warning = warning.Kind.ToString(),
                jobId = warning.JobId,
                collectionId = warning.CollectionId,
                collection = warning.CollectionName,
                workspace = warning.WorkspaceName,
                at = warning.At,
                reason = warning.Message,
                links = Links($"/Collections/{warning.CollectionId}/Schedules", $"/api/v1/collections/{warning.CollectionId}/schedules"),
            }, Json);
            await InsertAsync(connection, transaction, WebhookEvents.ScheduleMissed, key, warning.JobId, warning.ScheduleId, body, now);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A test delivery to one endpoint, due now. False when there is no such endpoint.</summary>
    public async Task<bool> RecordTestAsync(long endpointId, string requestedBy, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var body = JsonSerializer.Serialize(new
        {
            @event = WebhookEvents.Test,
            occurredAt = now,
            reason = $"Test event sent by {requestedBy}.",
            links = Links("/Webhooks/" + endpointId, null),
        }, Json);
        return await connection.ExecuteAsync("""
            INSERT INTO webhook_deliveries (endpoint_id, event, event_key, job_id, schedule_id, body, attempts, next_attempt_at, created_at)
            SELECT e.id, @Event, NULL, NULL, NULL, @body, 0, @now, @now FROM webhook_endpoints e WHERE e.id = @endpointId
            """, new { Event = WebhookEvents.Test, body, now, endpointId }) == 1;
    }

    /// <summary>One row per endpoint subscribed to <paramref name="name"/> (and, with a key, not given this occurrence yet).</summary>
    private static Task InsertAsync(DbConnection connection, DbTransaction transaction, string name, string? key, long? jobId, long? scheduleId, string body, DateTime now) =>
        connection.ExecuteAsync("""
            INSERT INTO webhook_deliveries (endpoint_id, event, event_key, job_id, schedule_id, body, attempts, next_attempt_at, created_at)
            SELECT e.id, @name, @key, @jobId, @scheduleId, @body, 0, @now, @now
              FROM webhook_endpoints e
             WHERE e.events LIKE @pattern
               AND (@key IS NULL OR NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.event_key = @key))
            """, new { name, key, jobId, scheduleId, body, now, pattern = SubscribedTo(name) }, transaction);

    /// <summary>The LIKE pattern of webhook_endpoints.events for the endpoints subscribed to event <paramref name="name"/>.</summary>
    private static string SubscribedTo(string name) => "%" + name + "%";

    private object Links(string page, string? api)
    {
        var root = options.Value.PublicUrl.TrimEnd('/');
        return new { page = root + page, api = api is null ? null : root + api };
    }
}
