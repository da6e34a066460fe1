using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Webhooks;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Webhooks;

/// <summary>
/// One webhook endpoint (admins): its delivery log (newest first: event, state, attempts, last status code,
/// the last error in words, times) with Redeliver per delivery, Send test event, and Remove.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class DetailsModel(Database database, WebhookAdministration webhooks, WebhookOutbox outbox) : PageModel
{
    /// <summary>Deliveries the log shows.</summary>
    public const int LogSize = 100;

    public sealed record EndpointView
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string Events { get; init; } = "";
        public string CreatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    public sealed record DeliveryLine
    {
        public long Id { get; init; }
        public string Event { get; init; } = "";
        public long? JobId { get; init; }
        public long? ScheduleId { get; init; }
        public int Attempts { get; init; }
        public DateTime? NextAttemptAt { get; init; }
        public int? LastStatusCode { get; init; }
        public string? LastError { get; init; }
        public DateTime? LastAttemptAt { get; init; }
        public DateTime? DeliveredAt { get; init; }
        public DateTime? FailedAt { get; init; }
        public DateTime CreatedAt { get; init; }

        /// <summary>DELIVERED, FAILED (no attempt left), RETRYING (an attempt failed, another is due) or QUEUED.</summary>
        public string State =>
            DeliveredAt is not null && NextAttemptAt is null ? "DELIVERED"
            : FailedAt is not null ? "FAILED"
            : Attempts > 0 ? "RETRYING"
            : "QUEUED";
    }

    public EndpointView Endpoint { get; private set; } = new();

    public IReadOnlyList<DeliveryLine> Deliveries { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostTestAsync(long id)
    {
        if (!await outbox.RecordTestAsync(id, User.Identity?.Name ?? "unknown", DateTime.UtcNow, HttpContext.RequestAborted)) return NotFound();
        Message = "A test event is queued; it is sent within seconds.";
        return await LoadAsync(id) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRedeliverAsync(long id, long deliveryId)
    {
        if (!await webhooks.RedeliverAsync(id, deliveryId, HttpContext.RequestAborted, HttpContext.Actor())) return NotFound();
        Message = $"Delivery {deliveryId} is queued again; it is sent within seconds.";
        return await LoadAsync(id) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRemoveAsync(long id)
    {
        if (!await webhooks.RemoveAsync(id, HttpContext.RequestAborted, HttpContext.Actor())) return NotFound();
        return RedirectToPage("/Webhooks/Index");
    }

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var endpoint = await connection.QuerySingleOrDefaultAsync<EndpointView>("""
            SELECT id AS Id, url AS Url, events AS Events, created_by AS CreatedBy, created_at AS CreatedAt
              FROM webhook_endpoints WHERE id = @id
            """, new { id });
        if (endpoint is null) return false;
        Endpoint = endpoint;
        Deliveries = (await connection.QueryAsync<DeliveryLine>($"""
            SELECT id AS Id, event AS Event, job_id AS JobId, schedule_id AS ScheduleId, attempts AS Attempts,
                   next_attempt_at AS NextAttemptAt, last_status_code AS LastStatusCode, last_error AS LastError,
                   last_attempt_at AS LastAttemptAt, delivered_at AS DeliveredAt, failed_at AS FailedAt, created_at AS CreatedAt
              FROM webhook_deliveries
             WHERE endpoint_id = @id
             ORDER BY id DESC
            {database.Provider.Paging}
            """, new { id, Skip = 0, Take = LogSize })).AsList();
        return true;
    }
}
