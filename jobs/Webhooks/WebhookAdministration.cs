using System.Security.Cryptography;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;

namespace JobTracker.Jobs.Webhooks;

/// <summary>
/// Webhook endpoints (admins, on the Webhooks page): add one (URL, secret typed or generated, events), remove
/// one, and redeliver a delivery. A generated secret is returned once for the page to show; it is stored as it
/// is, because each delivery is signed with it.
/// </summary>
public sealed class WebhookAdministration(Database database, ActivityTrail activity)
{
    /// <summary>Adds an endpoint. Returns its id and its secret (the generated one when none was typed).</summary>
    public async Task<(long Id, string Secret)> AddAsync(string? url, string? secret, IReadOnlyCollection<string>? events, string createdBy,
        CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        var problems = new List<InputProblem>();
        url = url?.Trim() ?? "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            problems.Add(new InputProblem("Url", "Enter the endpoint's full address, starting with http:// or https://."));
        else if (url.Length > 2000)
            problems.Add(new InputProblem("Url", "The address is too long (at most 2,000 characters)."));
        secret = secret?.Trim();
        if (string.IsNullOrEmpty(secret)) secret = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        else if (secret.Length is < 16 or > 200)
            problems.Add(new InputProblem("Secret", "A secret needs 16 to 200 characters (or leave it empty to have one generated)."));
        var chosen = (events ?? []).Where(WebhookEvents.All.Contains).Distinct().ToList();
        if (chosen.Count == 0) problems.Add(new InputProblem("Events", "Choose at least one event."));
        ChangeRefusedException.ThrowIfAny(problems);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("webhook_endpoints", "url, secret, events, created_by, created_at", "@url, @secret, @events, @createdBy, @now"),
            new { url, secret, events = string.Join(",", chosen), createdBy, now = DateTime.UtcNow }, transaction);
        await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(createdBy), ActivityActions.WebhookCreate, ActivityObjects.Webhook, id, url, null,
            string.Join(",", chosen));
        await transaction.CommitAsync(cancellationToken);
        return (id, secret);
    }

    /// <summary>Removes an endpoint and its delivery log. False when there is no such endpoint.</summary>
    public async Task<bool> RemoveAsync(long endpointId, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var url = await connection.QuerySingleOrDefaultAsync<string>("SELECT url FROM webhook_endpoints WHERE id = @endpointId", new { endpointId }, transaction);
        await connection.ExecuteAsync("DELETE FROM webhook_deliveries WHERE endpoint_id = @endpointId", new { endpointId }, transaction);
        var removed = await connection.ExecuteAsync("DELETE FROM webhook_endpoints WHERE id = @endpointId", new { endpointId }, transaction);
        if (removed == 1 && actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.WebhookDelete, ActivityObjects.Webhook, endpointId, url, null);
        await transaction.CommitAsync(cancellationToken);
        return removed == 1;
    }

    /// <summary>
    /// Sends a delivery again, now, with its attempts counted afresh (delivered, FAILED or still retrying alike).
    /// False when there is no such delivery of that endpoint.
    /// </summary>
    public async Task<bool> RedeliverAsync(long endpointId, long deliveryId, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var redelivered = await connection.ExecuteAsync("""
            UPDATE webhook_deliveries
               SET attempts = 0, next_attempt_at = @now, delivered_at = NULL, failed_at = NULL
             WHERE id = @deliveryId AND endpoint_id = @endpointId
            """, new { deliveryId, endpointId, now = DateTime.UtcNow }, transaction) == 1;
        if (redelivered && actor is not null)
        {
            var url = await connection.QuerySingleAsync<string>("SELECT url FROM webhook_endpoints WHERE id = @endpointId", new { endpointId }, transaction);
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.WebhookRedeliver, ActivityObjects.Webhook, endpointId, url, null,
                $"delivery {deliveryId}");
        }
        await transaction.CommitAsync(cancellationToken);
        return redelivered;
    }
}
