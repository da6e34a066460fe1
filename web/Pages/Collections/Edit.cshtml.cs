using Dapper;
using JobTracker.Db;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// Creates a record collection (/Workspaces/{workspaceId}/Collections/New) or edits one
/// (/Collections/{id}/Edit): name, optional key field, schema. Admins only.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class EditModel(Database database) : PageModel
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
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var current = await LoadAsync(connection, id, workspaceId);
        if (current is null) return NotFound();

        var name = Input.Name.Trim();
        var keyField = string.IsNullOrWhiteSpace(Input.KeyField) ? null : Input.KeyField.Trim();
        var schema = Validate(name, keyField);
        if (ModelState.IsValid && await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM collections WHERE workspace_id = @WorkspaceId AND name = @name AND id <> @id",
                new { WorkspaceId, name, id = id ?? 0 }) > 0)
            ModelState.AddModelError("Input.Name", $"The workspace already has a record collection named \"{name}\".");

        var schemaJson = CollectionSchema.Serialize(schema);
        if (ModelState.IsValid && id is not null && (keyField != current.KeyField || schemaJson != current.SchemaJson)
            && await connection.ExecuteScalarAsync<long>(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE collection_id = @id AND finished_at IS NULL) THEN 1 ELSE 0 END", new { id }) == 1)
            ModelState.AddModelError("", "A job of this collection is still queued or in progress. Wait until it finishes (or stop it) before changing the key field or the schema.");
        if (!ModelState.IsValid) return Page();

        if (id is null)
        {
            id = await connection.ExecuteScalarAsync<long>(
                database.Provider.InsertReturningId("collections", "workspace_id, name, key_field, schema_json, created_at", "@WorkspaceId, @name, @keyField, @schemaJson, @Now"),
                new { WorkspaceId, name, keyField, schemaJson, Now = DateTime.UtcNow });
        }
        else
        {
            await connection.ExecuteAsync(
                "UPDATE collections SET name = @name, key_field = @keyField, schema_json = @schemaJson WHERE id = @id",
                new { name, keyField, schemaJson, id });
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

    /// <summary>Checks the form and returns the schema it describes; problems go to ModelState.</summary>
    private List<SchemaField> Validate(string name, string? keyField)
    {
        if (name.Length == 0)
            ModelState.AddModelError("Input.Name", "Enter a name for the record collection.");

        var schema = new List<SchemaField>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in Input.Fields)
        {
            var key = $"Input.Fields[{field.Key}]";
            var fieldName = field.Name?.Trim() ?? "";
            if (fieldName.Length == 0)
            {
                ModelState.AddModelError(key + ".Name", $"Schema row {Input.Fields.IndexOf(field) + 1} has no field name: enter one, or remove the row.");
                continue;
            }
            if (!seen.Add(fieldName))
                ModelState.AddModelError(key + ".Name", $"The field \"{fieldName}\" appears more than once in the schema (field names are compared ignoring case).");
            if (!FieldTypes.All.Contains(field.Type))
                ModelState.AddModelError(key + ".Type", $"The field \"{fieldName}\" has an unknown type \"{field.Type}\".");
            schema.Add(new SchemaField(fieldName, field.Type, field.Required));
        }

        if (keyField is not null && schema.FirstOrDefault(f => f.Name == keyField) is { Required: false })
            ModelState.AddModelError("Input.KeyField", $"The key field \"{keyField}\" is in the schema, so it must be required: a row without a key cannot be matched.");
        if (keyField is not null && schema.FirstOrDefault(f => f.Name != keyField && string.Equals(f.Name, keyField, StringComparison.OrdinalIgnoreCase)) is { } near)
            ModelState.AddModelError("Input.KeyField", $"The key field \"{keyField}\" differs from the schema field \"{near.Name}\" only in case; field names are case-sensitive in files.");
        return schema;
    }
}
