using Quartz;

namespace JobTracker.Jobs.Webhooks;

/// <summary>The Quartz job that runs <see cref="WebhookSender"/> every <see cref="WebhookOptions.PollInterval"/>.</summary>
[DisallowConcurrentExecution]
public sealed class WebhookSenderJob(WebhookSender sender) : IJob
{
    public static readonly JobKey Key = new("webhook-sender");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await sender.RunAsync(cancellationToken);
}
