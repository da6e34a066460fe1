namespace JobTracker.Jobs.Imports;

/// <summary>
/// One batch of an import as the audit log reads it: where its rows are in the stored file, and its
/// committed audit entries (null when the batch never committed).
/// </summary>
internal sealed class AuditBatch
{
    public int BatchNo { get; init; }
    public string Status { get; init; } = "";
    public string? StatusReason { get; init; }
    public long FirstRow { get; init; }
    public int RowCount { get; init; }
    public long ByteOffset { get; init; }
    public long ByteLength { get; init; }
    public long FirstLine { get; init; }

    /// <summary>When the batch finished (committed, for one with entries), in UTC.</summary>
    public DateTime? FinishedAt { get; init; }
    public byte[]? Entries { get; init; }

    /// <summary>
    /// One entry per row of the batch, in row order: the stored ones, or, for a batch that never
    /// committed, a <see cref="AuditLog.NotApplied"/> entry per row with the reason.
    /// </summary>
    public IEnumerable<(long Row, string? Key, string Outcome, string? Field, string? Message)> Rows()
    {
        if (Entries is not null)
        {
            using var entries = new MemoryStream(Entries, writable: false);
            foreach (var entry in BatchAudit.Read(entries)) yield return entry;
            yield break;
        }
        var message = NotAppliedMessage;
        for (var row = FirstRow; row < FirstRow + RowCount; row++)
            yield return (row, null, AuditLog.NotApplied, null, message);
    }

    /// <summary>Why the rows of a batch without committed entries were not applied.</summary>
    public string NotAppliedMessage => Status switch
    {
        Db.Status.Queued or Db.Status.InProgress => "Not applied yet: the batch has not run.",
        _ => StatusReason ?? $"Not applied: the batch is {Status}.",
    };
}
