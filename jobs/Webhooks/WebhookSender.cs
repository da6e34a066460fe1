using System.Net.Http.Headers;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Schedules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Webhooks;

/// <summary>
/// Sends due webhook deliveries: POST of the body (JSON) with X-JobTracker-Event, X-JobTracker-Delivery and
/// X-JobTracker-Signature. A 2xx answer delivers it; anything else (another status, no answer, the timeout) is
/// retried after <see cref="WebhookOptions.WaitAfter"/>, up to <see cref="WebhookOptions.MaxAttempts"/>, then FAILED.
/// Before sending, the schedule watch's new warnings are recorded (<see cref="WebhookOutbox.RecordScheduleWarningsAsync"/>).
/// </summary>
public sealed class WebhookSender(
    Database database,
    WebhookOutbox outbox,
    ScheduleWatch watch,
    IHttpClientFactory clients,
    IOptions<WebhookOptions> options,
    ILogger<WebhookSender> logger)
{
    /// <summary>The named HttpClient deliveries go through.</summary>
    public const string ClientName = "JobTracker.Webhooks";

    private sealed record DueDelivery
    {
        public long Id { get; init; }
        public string Event { get; init; } = "";
        public string Body { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime NextAttemptAt { get; init; }
        public string Url { get; init; } = "";
        public string Secret { get; init; } = "";
    }

    /// <summary>Records new schedule warnings, then sends every due delivery once. Returns how many were attempted.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (await AnyEndpointAsync(cancellationToken))
            await outbox.RecordScheduleWarningsAsync(await watch.WarningsAsync(DateTime.UtcNow, cancellationToken), DateTime.UtcNow, cancellationToken);
        return await SendDueAsync(cancellationToken);
    }

    private async Task<bool> AnyEndpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints) THEN 1 ELSE 0 END") == 1;
    }

    private async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = DateTime.UtcNow;
        List<DueDelivery> due;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<DueDelivery>($"""
                SELECT d.id AS Id, d.event AS Event, d.body AS Body, d.attempts AS Attempts, d.next_attempt_at AS NextAttemptAt,
                       e.url AS Url, e.secret AS Secret
                  FROM webhook_deliveries d
                  JOIN webhook_endpoints e ON e.id = d.endpoint_id
                 WHERE d.next_attempt_at <= @now
                 ORDER BY d.next_attempt_at, d.id
                {database.Provider.Paging}
                """, new { now, Skip = 0, Take = 100 })).AsList();
        }
        var attempted = 0;
        foreach (var delivery in due)
        {
            // Claim it (another node may run the same query): push its next attempt past this attempt's timeout.
            await using var connection = await database.OpenAsync(cancellationToken);
            var claimed = await connection.ExecuteAsync(
                "UPDATE webhook_deliveries SET next_attempt_at = @until WHERE id = @Id AND next_attempt_at = @NextAttemptAt",
                new { until = DateTime.UtcNow + settings.Timeout + TimeSpan.FromMinutes(1), delivery.Id, delivery.NextAttemptAt });
            if (claimed != 1) continue;
            attempted++;
            var (statusCode, error) = await AttemptAsync(delivery, settings, cancellationToken);
            var attempts = delivery.Attempts + 1;
            var finishedAt = DateTime.UtcNow;
            var delivered = error is null;
            var gaveUp = !delivered && attempts >= settings.MaxAttempts;
            await connection.ExecuteAsync("""
                UPDATE webhook_deliveries
                   SET attempts = @attempts, last_status_code = @statusCode, last_error = @error, last_attempt_at = @finishedAt,
                       delivered_at = @deliveredAt, failed_at = @failedAt, next_attempt_at = @next
                 WHERE id = @Id
                """, new
            {
                attempts,
                statusCode,
                error,
                finishedAt,
                deliveredAt = delivered ? finishedAt : (DateTime?)null,
                failedAt = gaveUp ? finishedAt : (DateTime?)null,
                next = delivered || gaveUp ? (DateTime?)null : finishedAt + settings.WaitAfter(attempts),
                delivery.Id,
            });
            if (!delivered)
                logger.LogWarning("Webhook delivery {DeliveryId} ({Event}) attempt {Attempt} failed: {Error}", delivery.Id, delivery.Event, attempts, error);
        }
        return attempted;
    }

    /// <summary>One POST. Returns the status code (if any) and, unless it was 2xx, what went wrong in words.</summary>
    private async Task<(int? StatusCode, string? Error)> AttemptAsync(DueDelivery delivery, WebhookOptions settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url);
        request.Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json");
        request.Headers.Add("X-JobTracker-Event", delivery.Event);
        request.Headers.Add("X-JobTracker-Delivery", delivery.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(delivery.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), delivery.Body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("JobTracker-Webhooks", "1"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"The endpoint answered {code} {response.ReasonPhrase}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"No answer within {settings.Timeout.TotalSeconds:0} seconds.");
        }
        catch (HttpRequestException failed)
        {
            return (null, failed.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "The endpoint's host name could not be resolved.",
                HttpRequestError.ConnectionError => "Could not connect to the endpoint.",
                HttpRequestError.SecureConnectionError => "The secure connection (TLS) to the endpoint failed.",
                _ => "The request to the endpoint failed: " + failed.Message,
            });
        }
    }
}
