using JobTracker.Db;

namespace JobTracker.Jobs.Running;

/// <summary>How batch and job statuses follow from their row counts (SPEC.md, Job statuses).</summary>
public static class JobStatusRollup
{
    /// <summary>Status of a batch that has run: every row succeeded, some failed, or all failed.</summary>
    public static string ForFinishedBatch(int succeeded, int failed) =>
        failed == 0 ? Status.Completed
        : succeeded == 0 ? Status.Failed
        : Status.RanWithErrors;

    /// <summary>
    /// Status of an import job whose batches have all run. A job in which every row failed could
    /// not do its work: FAILED. Some failed rows: RAN WITH ERRORS. Otherwise COMPLETED.
    /// </summary>
    public static string ForFinishedJob(long total, long succeeded, long failed) =>
        failed == 0 ? Status.Completed
        : succeeded == 0 && failed >= total ? Status.Failed
        : Status.RanWithErrors;

    /// <summary>The reason shown for a job that finished with failed rows.</summary>
    public static string? ReasonForFinishedJob(long total, long succeeded, long failed) =>
        failed == 0 ? null
        : succeeded == 0 ? $"Every row failed ({failed:N0} of {total:N0}). Download the Audit Log to see why, fix the file and import it again."
        : $"{failed:N0} of {total:N0} rows failed. Download the Audit Log to see which and why.";
}
