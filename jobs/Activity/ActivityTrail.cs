using System.Data.Common;
using Dapper;
using JobTracker.Db;

namespace JobTracker.Jobs.Activity;

/// <summary>
/// Writes the activity trail: one activity row per state change or download. The services of jobs/ call
/// <see cref="RecordAsync(DbConnection, DbTransaction?, ActivityActor, string, string, long?, string?, long?, string?)"/>
/// in the transaction of the change itself, so an entry exists exactly when the change does; downloads (which change
/// nothing) call <see cref="RecordAsync(ActivityActor, string, string, long?, string?, long?, string?, CancellationToken)"/>.
/// Never per batch or per row: one INSERT per action.
/// </summary>
public sealed class ActivityTrail(Database database)
{
    private const string Insert = """
        INSERT INTO activity (at_utc, actor_user_id, actor_name, via, action, object_kind, object_id, object_label, job_id, detail, client_address)
        VALUES (@Now, @UserId, @Name, @Via, @Action, @Kind, @ObjectId, @Label, @JobId, @Detail, @Address)
        """;

    /// <summary>An entry about a job, labelled with the job's file or export name as its row has it (nothing when the job is gone).</summary>
    private const string InsertOnJob = """
        INSERT INTO activity (at_utc, actor_user_id, actor_name, via, action, object_kind, object_id, object_label, job_id, detail, client_address)
        SELECT @Now, @UserId, @Name, @Via, @Action, @Kind, j.id, j.file_name, j.id, @Detail, @Address FROM jobs j WHERE j.id = @JobId
        """;

    /// <summary>Records one entry in the caller's transaction (the change's own).</summary>
    public Task RecordAsync(
        DbConnection connection, DbTransaction? transaction, ActivityActor actor, string action, string objectKind, long? objectId,
        string? label, long? jobId, string? detail = null) =>
        connection.ExecuteAsync(Insert, Parameters(DateTime.UtcNow, actor, action, objectKind, objectId, label, jobId, detail), transaction);

    /// <summary>Records one entry on its own (a download, a sign-in: nothing else to commit with).</summary>
    public async Task RecordAsync(
        ActivityActor actor, string action, string objectKind, long? objectId, string? label, long? jobId, string? detail = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await RecordAsync(connection, null, actor, action, objectKind, objectId, label, jobId, detail);
    }

    /// <summary>
    /// A download of one of job <paramref name="jobId"/>'s files (labelled with the job's file or export name), by the
    /// page or the API endpoint that serves it, once it has found the file and before it sends it.
    /// </summary>
    public async Task RecordDownloadAsync(ActivityActor actor, string action, long jobId, string? detail, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await RecordOnJobAsync(connection, null, actor, action, jobId, detail, cancellationToken);
    }

    /// <summary>
    /// An entry about job <paramref name="jobId"/> in the caller's transaction, labelled with the job's file or export
    /// name as the row has it (one INSERT … SELECT; nothing when the job is gone), e.g. the nightly cleanup's.
    /// </summary>
    public Task RecordOnJobAsync(
        DbConnection connection, DbTransaction? transaction, ActivityActor actor, string action, long jobId, string? detail,
        CancellationToken cancellationToken = default) =>
        connection.ExecuteAsync(new CommandDefinition(InsertOnJob,
            Parameters(DateTime.UtcNow, actor, action, ActivityObjects.Job, null, null, jobId, detail), transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The worker's entry for a job that has just reached its final <paramref name="status"/>, in the job's final
    /// transaction (the same INSERT … SELECT as <see cref="RecordOnJobAsync"/>: the label comes from the job row).
    /// </summary>
    public Task RecordJobFinishedAsync(DbConnection connection, DbTransaction transaction, long jobId, string status, DateTime now) =>
        connection.ExecuteAsync(InsertOnJob,
            Parameters(now, ActivityActor.Worker, ActivityActions.JobFinished, ActivityObjects.Job, null, null, jobId, status), transaction);

    /// <summary>The parameters of one entry: the actor's and the texts' lengths cut to their columns.</summary>
    private static object Parameters(
        DateTime now, ActivityActor actor, string action, string objectKind, long? objectId, string? label, long? jobId, string? detail) => new
        {
            Now = now,
            actor.UserId,
            Name = Cut(actor.Name, 200)!,
            Via = Cut(actor.Via, 200),
            Action = action,
            Kind = objectKind,
            ObjectId = objectId,
            Label = Cut(label, 400),
            JobId = jobId,
            Detail = Cut(detail, 1000),
            Address = Cut(actor.Address, 100),
        };

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
