namespace JobTracker.Jobs.Webhooks;

/// <summary>Settings of webhook delivery, bound from configuration section "JobTracker:Webhooks".</summary>
public sealed class WebhookOptions
{
    public const string Section = "JobTracker:Webhooks";

    /// <summary>How often the sender looks for due deliveries and new schedule watch warnings.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one delivery attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts of one delivery before it is FAILED (the first one included).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Waits before the 2nd, 3rd, ... attempt; the last one repeats when there are more attempts than waits.</summary>
    public List<TimeSpan> Backoff { get; set; } = [];

    /// <summary>The console's public address (e.g. https://jobs.example.com), for the links in a body; none when empty.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>The wait before attempt number <paramref name="attempt"/> + 1, after <paramref name="attempt"/> failed ones.</summary>
    public TimeSpan WaitAfter(int attempt)
    {
        IReadOnlyList<TimeSpan> waits = Backoff.Count > 0 ? Backoff : DefaultBackoff;
        return waits[Math.Clamp(attempt - 1, 0, waits.Count - 1)];
    }

    /// <summary>30 s, 2 min, 10 min, 1 h, 6 h.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultBackoff =
        [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6)];
}
