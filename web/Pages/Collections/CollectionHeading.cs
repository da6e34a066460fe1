using System.Data.Common;
using Dapper;

namespace JobTracker.Web.Pages.Collections;

/// <summary>What a collection's pages show in their heading and breadcrumbs.</summary>
public sealed record CollectionHeading
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? KeyField { get; init; }
    public long RecordCount { get; init; }
    public long WorkspaceId { get; init; }
    public string WorkspaceName { get; init; } = "";

    /// <summary>The collection with its workspace, or null when there is no such collection.</summary>
    public static Task<CollectionHeading?> LoadAsync(DbConnection connection, long id) =>
        connection.QuerySingleOrDefaultAsync<CollectionHeading>("""
            SELECT c.id AS Id, c.name AS Name, c.key_field AS KeyField, c.record_count AS RecordCount,
                   w.id AS WorkspaceId, w.name AS WorkspaceName
              FROM collections c
              JOIN workspaces w ON w.id = c.workspace_id
             WHERE c.id = @id
            """, new { id });
}
