namespace JobTracker.Jobs.Schedules;

/// <summary>Why the schedule watch warns about a schedule (see <see cref="ScheduleWatch"/>).</summary>
public enum ScheduleWarningKind
{
    /// <summary>The schedule's last finished run did not end COMPLETED (FAILED or CANCELED).</summary>
    LastRunNotCompleted,

    /// <summary>An enabled schedule's fire is overdue by more than the grace period: nothing fired it.</summary>
    Missed,

    /// <summary>The schedule's last fire was skipped because its previous export was unfinished, and it has not run since.</summary>
    Skipped,
}
