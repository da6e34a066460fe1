using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Catalog;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// Creates a record collection (/Workspaces/{workspaceId}/Collections/New) or edits one
/// (/Collections/{id}/Edit): name, optional key field, schema, checked and saved by
/// <see cref="CollectionEditor"/>. Admins only.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class EditModel(Database database, CollectionEditor collections) : PageModel
{
    public sealed class CollectionInput
    {
        public string Name { get; set; } = "";
        public string? KeyField { get; set; }
        public List<FieldInput> Fields { get; set; } = [];
    }

    /// <summary>One schema row. <see cref="Key"/> only ties the row's inputs together in the form.</summary>
    public sealed class FieldInput
    {
        public string Key { get; set; } = "";
        public string? Name { get; set; }
        public string Type { get; set; } = FieldTypes.String;
        public bool Required { get; set; }
    }

    private sealed record Current
    {
        public long WorkspaceId { get; init; }
        public string WorkspaceName { get; init; } = "";
        public string? Name { get; init; }
        public string? KeyField { get; init; }
        public string SchemaJson { get; init; } = "[]";
    }

    [BindProperty]
    public CollectionInput Input { get; set; } = new();

    public long? Id { get; private set; }

    public long WorkspaceId { get; private set; }

    public string WorkspaceName { get; private set; } = "";

    public string CurrentName { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long? id, long? workspaceId)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var current = await LoadAsync(connection, id, workspaceId);
        if (current is null) return NotFound();
        if (id is not null)
        {
            Input = new CollectionInput
            {
                Name = current.Name ?? "",
                KeyField = current.KeyField,
                Fields = CollectionSchema.Parse(current.SchemaJson)
                    .Select((field, i) => new FieldInput { Key = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Name = field.Name, Type = field.Type, Required = field.Required })
                    .ToList(),
            };
        }
        return Page();
    }

    /// <summary>"Add field": one more empty schema row, appended by htmx.</summary>
    public PartialViewResult OnGetFieldRow() =>
        Partial("_SchemaFieldRow", new FieldInput { Key = Guid.NewGuid().ToString("N")[..8] });

    public async Task<IActionResult> OnPostAsync(long? id, long? workspaceId)
    {
        var cancellationToken = HttpContext.RequestAborted;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (await LoadAsync(connection, id, workspaceId) is null) return NotFound();
        }

        var settings = new CollectionSettings(
            Input.Name, Input.KeyField, Input.Fields.Select(field => new SchemaField(field.Name ?? "", field.Type, field.Required)).ToList());
        if (!ModelState.IsValid)
        {
            // The form did not bind (the framework says why): say what else is wrong, and change nothing.
            ModelState.AddProblems(await collections.CheckAsync(WorkspaceId, id, settings, cancellationToken), FormField);
            return Page();
        }
        try
        {
            if (id is null)
                id = await collections.CreateAsync(WorkspaceId, settings, cancellationToken, HttpContext.Actor());
            else if (!await collections.UpdateAsync(id.Value, settings, cancellationToken, HttpContext.Actor()))
                return NotFound();
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, FormField);
            return Page();
        }
        return RedirectToPage("/Collections/Details", new { id });
    }

    private async Task<Current?> LoadAsync(System.Data.Common.DbConnection connection, long? id, long? workspaceId)
    {
        Id = id;
        var current = id is not null
            ? await connection.QuerySingleOrDefaultAsync<Current>("""
                SELECT w.id AS WorkspaceId, w.name AS WorkspaceName, c.name AS Name, c.key_field AS KeyField, c.schema_json AS SchemaJson
                  FROM collections c
                  JOIN workspaces w ON w.id = c.workspace_id
                 WHERE c.id = @id
                """, new { id })
            : await connection.QuerySingleOrDefaultAsync<Current>(
                "SELECT id AS WorkspaceId, name AS WorkspaceName FROM workspaces WHERE id = @workspaceId", new { workspaceId });
        if (current is not null)
        {
            WorkspaceId = current.WorkspaceId;
            WorkspaceName = current.WorkspaceName;
            CurrentName = current.Name ?? "";
        }
        return current;
    }

    /// <summary>The form's name for a field of <see cref="CollectionEditor"/>'s problems: schema rows go by their form key, not their index.</summary>
    private string FormField(string field)
    {
        if (field.Length == 0) return "";
        for (var i = 0; i < Input.Fields.Count; i++)
        {
            var row = $"Fields[{i}].";
            if (field.StartsWith(row, StringComparison.Ordinal))
                return $"Input.Fields[{Input.Fields[i].Key}].{field[row.Length..]}";
        }
        return "Input." + field;
    }
}
