using System.Globalization;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Running;

/// <summary>
/// The reason a FAILED job shows, in words a person can act on. It never carries an exception's own
/// message (which may name server paths, hosts or SQL): the details go to the log under the job id,
/// and the reason says so.
/// </summary>
public static class JobFailureReasons
{
    /// <summary>
    /// The reason for a job that failed on <paramref name="failed"/>, the first of its batches that had not
    /// committed being <paramref name="stoppedAt"/> (null: it stopped before it had batches).
    /// </summary>
    public static string For(Exception failed, string jobType, long jobId, BatchRow? stoppedAt) => failed switch
    {
        UnreadableFileException => failed.Message,
        ExportFailedException { InnerException: null } => failed.Message,
        ExportFailedException => $"{failed.Message} {SeeTheLog(jobId)}",
        TransientFaultException fault =>
            $"The job stopped because {fault.Fault}: it was tried {fault.Attempts} times over {Duration(fault.Elapsed)}" +
            (stoppedAt is null ? "." : $", each time from batch {stoppedAt.BatchNo}.") +
            $" {WhatStays(jobType, stoppedAt)} {SeeTheLog(jobId)}",
        IOException or UnauthorizedAccessException when jobType == JobTypes.Export =>
            $"The job stopped: it could not write to the file storage. {WhatStays(jobType, stoppedAt)} {SeeTheLog(jobId)}",
        IOException or UnauthorizedAccessException =>
            $"The job stopped: it could not read the uploaded file from the file storage. {WhatStays(jobType, stoppedAt)} {SeeTheLog(jobId)}",
        _ => $"The job stopped on an internal error. {WhatStays(jobType, stoppedAt)} {SeeTheLog(jobId)}",
    };

    /// <summary>What is left of the job's work, and what to do about the rest.</summary>
    public static string WhatStays(string jobType, BatchRow? stoppedAt) =>
        jobType == JobTypes.Export
            ? "Batches committed before it stay committed, and their files can still be downloaded. Start the export again for a complete set of files."
            : stoppedAt is null || stoppedAt.BatchNo == 0
                ? "No row was applied: import the file again."
                : $"Batches committed before it stay committed; the rows from row {stoppedAt.FirstRow.ToString("N0", CultureInfo.InvariantCulture)} on were not applied: import them again.";

    private static string SeeTheLog(long jobId) =>
        $"If it happens again, tell an admin: the server log has the details under job {jobId.ToString(CultureInfo.InvariantCulture)}.";

    /// <summary>"40 seconds", "1 minute", "3 minutes".</summary>
    public static string Duration(TimeSpan elapsed) =>
        elapsed < TimeSpan.FromSeconds(90)
            ? $"{Math.Max(1, (int)Math.Round(elapsed.TotalSeconds))} second{(Math.Round(elapsed.TotalSeconds) > 1 ? "s" : "")}"
            : $"{(int)Math.Round(elapsed.TotalMinutes)} minute{(Math.Round(elapsed.TotalMinutes) > 1 ? "s" : "")}";
}
