using Quartz;

namespace JobTracker.Jobs.Schedules;

/// <summary>
/// The Quartz job that fires due export schedules, every ScheduleCheckInterval (1 s) measured from
/// the end of the previous pass. One per process; two copies never run at once in a process, and
/// processes sharing a database agree through the table (see <see cref="ScheduleFirer"/>).
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduleFirerJob(ScheduleFirer firer) : IJob
{
    public static readonly JobKey Key = new("schedule-firer", "schedules");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await firer.FireDueAsync(cancellationToken);
}
