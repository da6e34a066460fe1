namespace JobTracker.Jobs.Webhooks;

/// <summary>The events an endpoint can subscribe to, as they appear in X-JobTracker-Event and the body's "event".</summary>
public static class WebhookEvents
{
    /// <summary>A job reached a final status (COMPLETED, RAN WITH ERRORS, FAILED or CANCELED).</summary>
    public const string JobFinished = "job.finished";

    /// <summary>A job ended FAILED (sent as well as job.finished, to endpoints that subscribe to it).</summary>
    public const string JobFailed = "job.failed";

    /// <summary>The schedule watch has a new warning about a schedule (missed, skipped, last run not COMPLETED).</summary>
    public const string ScheduleMissed = "schedule.missed";

    /// <summary>Sent by "Send test event" only; every endpoint accepts it.</summary>
    public const string Test = "test";

    public static readonly IReadOnlyList<string> All = [JobFinished, JobFailed, ScheduleMissed];

    /// <summary>Words for the Webhooks page.</summary>
    public static string Describe(string name) => name switch
    {
        JobFinished => "Job finished (any final status)",
        JobFailed => "Job failed",
        ScheduleMissed => "Schedule missed (a schedule watch warning)",
        _ => name,
    };
}
