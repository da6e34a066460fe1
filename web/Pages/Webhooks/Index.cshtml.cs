using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Webhooks;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Webhooks;

/// <summary>
/// Webhook endpoints (admins): the list, with each endpoint's events and its last delivery, and a form to add
/// one. A generated secret is shown once, in the answer to the form. Changes go through <see cref="WebhookAdministration"/>.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class IndexModel(Database database, WebhookAdministration webhooks) : PageModel
{
    public sealed record EndpointLine
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string Events { get; init; } = "";
        public string CreatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public long Pending { get; init; }
        public long Failed { get; init; }
        public DateTime? LastDeliveredAt { get; init; }
    }

    public IReadOnlyList<EndpointLine> Endpoints { get; private set; } = [];

    public string NewUrl { get; private set; } = "";

    public IReadOnlyList<string> NewEvents { get; private set; } = WebhookEvents.All;

    /// <summary>The endpoint just added and its secret: shown on this answer only.</summary>
    public (long Id, string Url, string Secret)? Added { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync(string? url, string? secret, string[]? events)
    {
        NewUrl = url ?? "";
        NewEvents = events ?? [];
        try
        {
            var (id, kept) = await webhooks.AddAsync(url, secret, events, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted, HttpContext.Actor());
            Added = (id, url!.Trim(), kept);
            NewUrl = "";
            NewEvents = WebhookEvents.All;
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems);
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        Endpoints = (await connection.QueryAsync<EndpointLine>("""
            SELECT e.id AS Id, e.url AS Url, e.events AS Events, e.created_by AS CreatedBy, e.created_at AS CreatedAt,
                   (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.next_attempt_at IS NOT NULL) AS Pending,
                   (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.failed_at IS NOT NULL) AS Failed,
                   (SELECT MAX(d.delivered_at) FROM webhook_deliveries d WHERE d.endpoint_id = e.id) AS LastDeliveredAt
              FROM webhook_endpoints e
             ORDER BY e.url, e.id
            """)).AsList();
    }
}
