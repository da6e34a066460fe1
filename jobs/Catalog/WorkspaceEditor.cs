using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;

namespace JobTracker.Jobs.Catalog;

/// <summary>
/// Creates and renames workspaces. A name is required and unique (ignoring case, as the column is
/// COLLATE NOCASE); a refused change throws <see cref="ChangeRefusedException"/> with the problem on Name.
/// </summary>
public sealed class WorkspaceEditor(Database database, ActivityTrail activity)
{
    /// <summary>The problems a create (<paramref name="id"/> null) or rename would be refused for; writes nothing.</summary>
    public async Task<IReadOnlyList<InputProblem>> CheckAsync(long? id, string? name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CheckAsync(connection, id, Trim(name));
    }

    /// <summary>Creates a workspace and returns its id.</summary>
    public async Task<long> CreateAsync(string? name, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        var trimmed = Trim(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        ChangeRefusedException.ThrowIfAny(await CheckAsync(connection, null, trimmed));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("workspaces", "name, created_at", "@name, @Now"), new { name = trimmed, Now = DateTime.UtcNow }, transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.WorkspaceCreate, ActivityObjects.Workspace, id, trimmed, null);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>Renames a workspace. False when there is no such workspace.</summary>
    public async Task<bool> RenameAsync(long id, string? name, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        var trimmed = Trim(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        ChangeRefusedException.ThrowIfAny(await CheckAsync(connection, id, trimmed));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var renamed = await connection.ExecuteAsync("UPDATE workspaces SET name = @name WHERE id = @id", new { name = trimmed, id }, transaction) == 1;
        if (renamed && actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.WorkspaceEdit, ActivityObjects.Workspace, id, trimmed, null);
        await transaction.CommitAsync(cancellationToken);
        return renamed;
    }

    private static string Trim(string? name) => name?.Trim() ?? "";

    private static async Task<IReadOnlyList<InputProblem>> CheckAsync(DbConnection connection, long? id, string name)
    {
        if (name.Length == 0)
            return [new InputProblem("Name", "Enter a name for the workspace.")];
        if (await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM workspaces WHERE name = @name AND id <> @id", new { name, id = id ?? 0 }) > 0)
            return [new InputProblem("Name", $"A workspace named \"{name}\" already exists.")];
        return [];
    }
}
