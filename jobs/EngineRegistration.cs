using JobTracker.Jobs.Catalog;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Retention;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Schedules;
using JobTracker.Jobs.Storage;
using JobTracker.Jobs.Users;
using JobTracker.Jobs.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace JobTracker.Jobs;

public static class EngineRegistration
{
    /// <summary>
    /// The engine: the services every state change goes through (workspaces, collections, schedules,
    /// users, file storage, sign-in keys, job submission and stop), the audit log, and (unless
    /// JobTracker:RunWorkers is false) the Quartz workers that process queued jobs and the
    /// schedule firer that turns due export schedules into export jobs.
    /// Needs a <see cref="JobTracker.Db.Database"/> singleton.
    /// </summary>
    public static IServiceCollection AddJobTrackerEngine(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EngineOptions.Section);
        services.Configure<EngineOptions>(section);
        var settings = section.Get<EngineOptions>() ?? new EngineOptions();

        services.AddSingleton<StorageDisk>();
        services.AddSingleton<StorageProbe>();
        services.AddSingleton<FileStore>();
        services.AddSingleton<StorageSweep>();
        services.TryAddKeyedSingleton(RetentionCleanup.ClockKey, TimeProvider.System);
        var retention = configuration.GetSection(RetentionOptions.Section);
        services.Configure<RetentionOptions>(retention);
        var retentionSettings = retention.Get<RetentionOptions>() ?? new RetentionOptions();
        services.AddSingleton<ExpiredContent>();
        services.AddSingleton<RetentionCleanup>();
        services.AddSingleton<KeyStore>();
        services.AddSingleton<WorkspaceEditor>();
        services.AddSingleton<CollectionEditor>();
        services.AddSingleton<ScheduleEditor>();
        services.Configure<SignInSettings>(configuration.GetSection(SignInSettings.Section));
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<LiveSessionCache>();
        services.AddSingleton<UserTimeZones>();
        services.AddSingleton<ApiTokens>();
        services.AddSingleton<SignInLockout>();
        services.AddSingleton<ImportSubmission>();
        services.AddSingleton<ExportSubmission>();
        services.AddSingleton<JobStopper>();
        services.AddSingleton<Activity.ActivityTrail>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<FailedRowsFile>();
        services.AddSingleton<RetrySubmission>();
        services.AddSingleton<MappingStep>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<TransientRetry>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<ImportWork>();
        services.AddSingleton<ExportWork>();
        services.AddSingleton<WorkerNudge>();
        services.AddSingleton<WorkerHeartbeat>();
        services.AddExportSchedules(section);
        var webhooks = configuration.GetSection(WebhookOptions.Section);
        services.Configure<WebhookOptions>(webhooks);
        var webhookSettings = webhooks.Get<WebhookOptions>() ?? new WebhookOptions();
        services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = webhookSettings.Timeout + TimeSpan.FromSeconds(5));
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WebhookAdministration>();
        services.AddSingleton<WebhookSender>();

        services.AddQuartz(quartz =>
        {
            quartz.UseInMemoryStore();
            // One thread per worker, one for the schedule firer, one for the periodic storage sweep, one for the
            // webhook sender and one for the nightly retention cleanup, so a long job never delays them.
            quartz.UseDefaultThreadPool(pool => pool.MaxConcurrency = Math.Max(1, settings.Workers) + 4);
            if (!settings.RunWorkers) return;
            quartz.AddScheduleFirer(section);
            var sweepEvery = StorageSweepJob.Interval(settings);
            quartz.AddJob<StorageSweepJob>(job => job.WithIdentity(StorageSweepJob.Key));
            quartz.AddTrigger(trigger => trigger
                .ForJob(StorageSweepJob.Key)
                .StartAt(DateTimeOffset.UtcNow + sweepEvery) // the start-up sweep has just run
                .WithSimpleSchedule(s => s
                    .WithInterval(sweepEvery)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            quartz.AddJob<RetentionCleanupJob>(job => job.WithIdentity(RetentionCleanupJob.Key));
            quartz.AddTrigger(trigger => trigger
                .ForJob(RetentionCleanupJob.Key)
                .WithCronSchedule(retentionSettings.CleanupCron, cron => cron.InTimeZone(TimeZoneInfo.Utc)));
            quartz.AddJob<WebhookSenderJob>(job => job.WithIdentity(WebhookSenderJob.Key));
            quartz.AddTrigger(trigger => trigger
                .ForJob(WebhookSenderJob.Key)
                .StartNow()
                .WithSimpleSchedule(s => s
                    .WithInterval(webhookSettings.PollInterval)
                    .RepeatForever()
                    .MeasureIntervalFromCompletion(true)
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            foreach (var key in WorkerJob.Keys(Math.Max(1, settings.Workers)))
            {
                quartz.AddJob<WorkerJob>(job => job.WithIdentity(key));
                quartz.AddTrigger(trigger => trigger
                    .ForJob(key)
                    .StartNow()
                    .WithSimpleSchedule(s => s
                        .WithInterval(settings.PollInterval)
                        .RepeatForever()
                        .MeasureIntervalFromCompletion(true)
                        .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            }
        });
        return services;
    }

    /// <summary>
    /// The engine's services (see the other overload) and, unless JobTracker:RunWorkers is false,
    /// the hosted Quartz scheduler that runs the workers in this process.
    /// </summary>
    public static IHostApplicationBuilder AddJobTrackerEngine(this IHostApplicationBuilder builder)
    {
        builder.Services.AddJobTrackerEngine(builder.Configuration);
        builder.Services.AddHostedService<StorageSweepAtStart>();
        if (builder.Configuration.GetValue(EngineOptions.Section + ":" + nameof(EngineOptions.RunWorkers), true))
        {
            // Registered before Quartz's hosted service, so this node's old leases are released before any worker starts.
            builder.Services.AddHostedService<LeaseRecovery>();
            builder.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
        }
        return builder;
    }

    /// <summary>
    /// Removes what a crash left in storage (<see cref="StorageSweep"/>) once, at start-up, after the migrations
    /// and before any worker starts. A sweep that fails is logged and the start goes on: nothing depends on it.
    /// </summary>
    private sealed class StorageSweepAtStart(StorageSweep sweep, ILogger<StorageSweep> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await sweep.RunAsync(DateTime.UtcNow, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Storage sweep at start-up failed; files that nothing refers to may remain until the next start");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class LeaseRecovery(JobRunner runner) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => runner.ReleaseLeasesOfThisNodeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
