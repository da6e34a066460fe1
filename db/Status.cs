namespace JobTracker.Db;

/// <summary>Job and batch statuses, as users see them.</summary>
public static class Status
{
    public const string Queued = "QUEUED";
    public const string InProgress = "IN PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Canceled = "CANCELED";
    public const string RanWithErrors = "RAN WITH ERRORS";
    public const string Failed = "FAILED";

    public static bool IsFinished(string status) =>
        status is Completed or Canceled or RanWithErrors or Failed;
}
