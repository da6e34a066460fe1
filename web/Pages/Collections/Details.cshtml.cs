using Dapper;
using JobTracker.Db;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>A record collection: its key field, schema and record count.</summary>
public sealed class DetailsModel(Database database) : PageModel
{
    public sealed record CollectionFacts
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string? KeyField { get; init; }
        public string SchemaJson { get; init; } = "[]";
        public long WorkspaceId { get; init; }
        public string WorkspaceName { get; init; } = "";
        public long RecordCount { get; init; }
    }

    public CollectionFacts Collection { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await connection.QuerySingleOrDefaultAsync<CollectionFacts>("""
            SELECT c.id AS Id, c.name AS Name, c.key_field AS KeyField, c.schema_json AS SchemaJson,
                   w.id AS WorkspaceId, w.name AS WorkspaceName,
                   c.record_count AS RecordCount
              FROM collections c
              JOIN workspaces w ON w.id = c.workspace_id
             WHERE c.id = @id
            """, new { id });
        if (collection is null) return NotFound();
        Collection = collection;
        return Page();
    }
}
