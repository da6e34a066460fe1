using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace JobTracker.Jobs.Schedules;

/// <summary>How scheduled exports join the engine (called from <see cref="EngineRegistration"/>).</summary>
public static class ScheduleRegistration
{
    /// <summary>The firer, the watch and their settings (JobTracker:ScheduleCheckInterval, ScheduleMisfireThreshold, ScheduleWatchGrace).</summary>
    public static IServiceCollection AddExportSchedules(this IServiceCollection services, IConfigurationSection section)
    {
        services.Configure<ScheduleOptions>(section);
        services.AddSingleton<ScheduleFirer>();
        services.AddSingleton<ScheduleWatch>();
        return services;
    }

    /// <summary>The Quartz job that fires due schedules: a simple trigger, repeated from the end of each pass.</summary>
    public static void AddScheduleFirer(this IQuartzBuilder quartz, IConfigurationSection section)
    {
        var settings = section.Get<ScheduleOptions>() ?? new ScheduleOptions();
        quartz.AddJob<ScheduleFirerJob>(job => job.WithIdentity(ScheduleFirerJob.Key));
        quartz.AddTrigger(trigger => trigger
            .ForJob(ScheduleFirerJob.Key)
            .StartNow()
            .WithSimpleSchedule(s => s
                .WithInterval(settings.ScheduleCheckInterval)
                .RepeatForever()
                .MeasureIntervalFromCompletion(true)
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
    }
}
