using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Running;

namespace JobTracker.Jobs.Exports;

/// <summary>Creates export jobs, by hand or for a schedule's fire. A worker picks them up from the table.</summary>
public sealed partial class ExportSubmission(Database database, WorkerNudge nudge, ActivityTrail activity)
{
    public const int DefaultRecordsPerFile = 10_000;
    public const int MaxRecordsPerFile = 1_000_000;

    /// <summary>Letters, digits, '-', '_' and '.', as batch files are named {exportName}-{batchId}.json.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,100}\z")]
    private static partial Regex ValidName();

    /// <summary>Why an export name cannot be used, or null when it can.</summary>
    public static string? ValidateName(string? exportName) =>
        string.IsNullOrWhiteSpace(exportName) ? "Give the export a name."
        : !ValidName().IsMatch(exportName) ? $"The export name '{exportName}' can only use letters, digits, '-', '_' and '.' (at most 100 of them)."
        : exportName is "." or ".." ? "The export name cannot be '.' or '..'."
        : null;

    public static string? ValidateRecordsPerFile(int recordsPerFile) =>
        recordsPerFile is < 1 or > MaxRecordsPerFile ? $"Records per file must be between 1 and {MaxRecordsPerFile:N0}." : null;

    /// <summary>
    /// Queues an export of a collection. For a schedule's fire, give the schedule and the fire time:
    /// a second call for the same fire creates nothing and returns null. The activity trail records it in the
    /// job's own transaction: by <paramref name="actor"/> (else the name <paramref name="initiatedBy"/>) as
    /// <paramref name="action"/> (else "Submit export").
    /// </summary>
    public async Task<long?> SubmitAsync(
        long collectionId, string exportName, int recordsPerFile, string initiatedBy,
        long? scheduleId = null, DateTime? scheduledFor = null, string? note = null,
        CancellationToken cancellationToken = default, ActivityActor? actor = null, string? action = null)
    {
        if (ValidateName(exportName) is { } nameProblem) throw new ExportRejectedException(nameProblem);
        if (ValidateRecordsPerFile(recordsPerFile) is { } sizeProblem) throw new ExportRejectedException(sizeProblem);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var jobId = await connection.QuerySingleOrDefaultAsync<long?>(
            database.Provider.InsertExportJob,
            new { collectionId, exportName, Queued = Status.Queued, note, initiatedBy, recordsPerFile, now = DateTime.UtcNow, scheduleId, scheduledFor },
            transaction);
        if (jobId is { } id)
            await activity.RecordAsync(connection, transaction, actor ?? ActivityActor.Named(initiatedBy), action ?? ActivityActions.SubmitExport,
                ActivityObjects.Job, id, exportName, id, note);
        await transaction.CommitAsync(cancellationToken);
        if (jobId is not null) await nudge.WakeAsync(cancellationToken);
        return jobId;
    }
}
