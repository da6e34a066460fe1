using Dapper;
using JobTracker.Db;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Workspaces;

/// <summary>The Workspaces page (top nav): every workspace and how many record collections it holds.</summary>
public sealed class IndexModel(Database database) : PageModel
{
    public sealed record WorkspaceLine
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public long CollectionCount { get; init; }
    }

    public IReadOnlyList<WorkspaceLine> Workspaces { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        Workspaces = await ReadWorkspacesAsync(connection);
    }

    /// <summary>Every workspace by name, with its number of collections (this page and the REST API).</summary>
    public static async Task<IReadOnlyList<WorkspaceLine>> ReadWorkspacesAsync(System.Data.Common.DbConnection connection) =>
        (await connection.QueryAsync<WorkspaceLine>("""
            SELECT w.id AS Id, w.name AS Name,
                   (SELECT COUNT(*) FROM collections c WHERE c.workspace_id = w.id) AS CollectionCount
              FROM workspaces w
             ORDER BY w.name
            """)).AsList();
}
