using JobTracker.Jobs.Activity;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Trail;

/// <summary>
/// The one activity entry an action should leave, field for field; <see cref="AssertOnlyEntryAfter"/> checks that the
/// action left exactly this entry (besides the worker's "Job finished" of a job it queued).
/// </summary>
public sealed record TrailEntry(
    string Action, string ObjectKind, long? ObjectId, string? ObjectLabel, long? JobId, string? Detail,
    long? ActorUserId, string ActorName, string? Via, string? ClientAddress)
{
    /// <summary>The address of every request the tests send (Kestrel on the loopback).</summary>
    public const string Loopback = "127.0.0.1";

    /// <summary>Asserts that the entries written after <paramref name="mark"/> are this one alone, and returns it.</summary>
    public ActivityRow AssertOnlyEntryAfter(JobTrackerApp app, long mark)
    {
        var entries = ActivityRow.After(app, mark).Where(e => e.Action != ActivityActions.JobFinished).ToList();
        Assert.True(entries.Count == 1, $"expected one entry ({Action}), got {entries.Count}: {string.Join("; ", entries.Select(e => $"{e.Action} by {e.ActorName}"))}");
        AssertIs(entries[0]);
        return entries[0];
    }

    /// <summary>Asserts that <paramref name="entry"/> is this one, field for field.</summary>
    public void AssertIs(ActivityRow entry) =>
        Assert.Equal(this, new TrailEntry(entry.Action, entry.ObjectKind, entry.ObjectId, entry.ObjectLabel, entry.JobId, entry.Detail,
            entry.ActorUserId, entry.ActorName, entry.Via, entry.ClientAddress));
}
