namespace JobTracker.Jobs.Schedules;

/// <summary>Settings of scheduled exports, bound from configuration section "JobTracker" beside <see cref="EngineOptions"/>.</summary>
public sealed class ScheduleOptions
{
    /// <summary>How often this process looks for schedules whose fire is due (a fire runs at most this late).</summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A fire run later than this counts as missed (the server was down at fire time) and its job says
    /// so. Quartz's own default misfire threshold, 60 s.
    /// </summary>
    public TimeSpan ScheduleMisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The schedule watch warns about an enabled schedule whose fire is overdue by more than this (nothing
    /// fired it: no node runs the schedule firer, or the firer is stuck). A fire runs within
    /// <see cref="ScheduleCheckInterval"/> when all is well.
    /// </summary>
    public TimeSpan ScheduleWatchGrace { get; set; } = TimeSpan.FromMinutes(5);
}
