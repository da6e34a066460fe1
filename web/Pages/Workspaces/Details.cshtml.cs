using Dapper;
using JobTracker.Db;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Workspaces;

/// <summary>A workspace's page: its record collections, with the Actions column.</summary>
public sealed class DetailsModel(Database database) : PageModel
{
    public sealed record WorkspaceHeading
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
    }

    public sealed record CollectionLine
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string? KeyField { get; init; }
        public long RecordCount { get; init; }
    }

    public WorkspaceHeading Workspace { get; private set; } = new();

    public IReadOnlyList<CollectionLine> Collections { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var workspace = await LoadWorkspaceAsync(connection, id);
        if (workspace is null) return NotFound();

        Workspace = workspace;
        Collections = await ReadCollectionsAsync(connection, id);
        return Page();
    }

    /// <summary>The workspace, or null when there is no such workspace (this page and the REST API).</summary>
    public static Task<WorkspaceHeading?> LoadWorkspaceAsync(System.Data.Common.DbConnection connection, long id) =>
        connection.QuerySingleOrDefaultAsync<WorkspaceHeading>("SELECT id AS Id, name AS Name FROM workspaces WHERE id = @id", new { id });

    /// <summary>The workspace's record collections by name (this page and the REST API).</summary>
    public static async Task<IReadOnlyList<CollectionLine>> ReadCollectionsAsync(System.Data.Common.DbConnection connection, long id) =>
        (await connection.QueryAsync<CollectionLine>("""
            SELECT c.id AS Id, c.name AS Name, c.key_field AS KeyField,
                   c.record_count AS RecordCount
              FROM collections c
             WHERE c.workspace_id = @id
             ORDER BY c.name
            """, new { id })).AsList();
}
