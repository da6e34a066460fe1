using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;

namespace JobTracker.Jobs.Catalog;

/// <summary>
/// Creates and edits record collections: name (required, unique in its workspace), optional key
/// field, schema. Field names are trimmed, unique ignoring case and of a known type; a key field
/// in the schema must be required; a collection without a key field cannot have a field named <c>_id</c>. The key field and the schema cannot change while a job of the
/// collection is unfinished. A refused change throws <see cref="ChangeRefusedException"/> with
/// problems on Name, KeyField, Fields[i].Name, Fields[i].Type (i counts schema rows from 0) or "".
/// </summary>
public sealed class CollectionEditor(Database database, ActivityTrail activity)
{
    private sealed record Stored(long WorkspaceId, string? KeyField, string SchemaJson);

    private sealed record Checked(string Name, string? KeyField, string SchemaJson, IReadOnlyList<InputProblem> Problems);

    /// <summary>The problems a create (<paramref name="id"/> null) or an edit of collection <paramref name="id"/> would be refused for; writes nothing.</summary>
    public async Task<IReadOnlyList<InputProblem>> CheckAsync(long workspaceId, long? id, CollectionSettings settings, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var stored = id is null ? null : await LoadAsync(connection, id.Value);
        return (await CheckAsync(connection, workspaceId, id, stored, settings)).Problems;
    }

    /// <summary>Creates a collection in a workspace and returns its id.</summary>
    public async Task<long> CreateAsync(long workspaceId, CollectionSettings settings, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (name, keyField, schemaJson, problems) = await CheckAsync(connection, workspaceId, null, null, settings);
        ChangeRefusedException.ThrowIfAny(problems);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("collections", "workspace_id, name, key_field, schema_json, created_at", "@workspaceId, @name, @keyField, @schemaJson, @Now"),
            new { workspaceId, name, keyField, schemaJson, Now = DateTime.UtcNow }, transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.CollectionCreate, ActivityObjects.Collection, id, name, null);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>Changes a collection's name, key field and schema. False when there is no such collection.</summary>
    public async Task<bool> UpdateAsync(long id, CollectionSettings settings, CancellationToken cancellationToken = default, ActivityActor? actor = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await LoadAsync(connection, id) is not { } stored) return false;
        var (name, keyField, schemaJson, problems) = await CheckAsync(connection, stored.WorkspaceId, id, stored, settings);
        ChangeRefusedException.ThrowIfAny(problems);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE collections SET name = @name, key_field = @keyField, schema_json = @schemaJson WHERE id = @id",
            new { name, keyField, schemaJson, id }, transaction);
        if (actor is not null)
            await activity.RecordAsync(connection, transaction, actor, ActivityActions.CollectionEdit, ActivityObjects.Collection, id, name, null);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static Task<Stored?> LoadAsync(DbConnection connection, long id) =>
        connection.QuerySingleOrDefaultAsync<Stored?>(
            "SELECT workspace_id AS WorkspaceId, key_field AS KeyField, schema_json AS SchemaJson FROM collections WHERE id = @id", new { id });

    private static async Task<Checked> CheckAsync(DbConnection connection, long workspaceId, long? id, Stored? stored, CollectionSettings settings)
    {
        var name = settings.Name?.Trim() ?? "";
        var keyField = string.IsNullOrWhiteSpace(settings.KeyField) ? null : settings.KeyField.Trim();
        var problems = new List<InputProblem>();
        var schema = Validate(name, keyField, settings.Schema, problems);
        var schemaJson = CollectionSchema.Serialize(schema);

        if (problems.Count == 0 && await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM collections WHERE workspace_id = @workspaceId AND name = @name AND id <> @id",
                new { workspaceId, name, id = id ?? 0 }) > 0)
            problems.Add(new InputProblem("Name", $"The workspace already has a record collection named \"{name}\"."));

        if (problems.Count == 0 && id is not null && stored is not null && (keyField != stored.KeyField || schemaJson != stored.SchemaJson)
            && await connection.ExecuteScalarAsync<long>(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE collection_id = @id AND finished_at IS NULL) THEN 1 ELSE 0 END", new { id }) == 1)
            problems.Add(new InputProblem("", "A job of this collection is still queued or in progress. Wait until it finishes (or stop it) before changing the key field or the schema."));

        return new Checked(name, keyField, schemaJson, problems);
    }

    /// <summary>Checks the name, schema and key field on their own; returns the schema they describe.</summary>
    private static List<SchemaField> Validate(string name, string? keyField, IReadOnlyList<SchemaField> fields, List<InputProblem> problems)
    {
        if (name.Length == 0)
            problems.Add(new InputProblem("Name", "Enter a name for the record collection."));

        var schema = new List<SchemaField>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var row = $"Fields[{i}]";
            var fieldName = field.Name?.Trim() ?? "";
            if (fieldName.Length == 0)
            {
                problems.Add(new InputProblem(row + ".Name", $"Schema row {i + 1} has no field name: enter one, or remove the row."));
                continue;
            }
            if (!seen.Add(fieldName))
                problems.Add(new InputProblem(row + ".Name", $"The field \"{fieldName}\" appears more than once in the schema (field names are compared ignoring case)."));
            if (keyField is null && fieldName == Exports.ExportWork.GeneratedIdField)
                problems.Add(new InputProblem(row + ".Name",
                    $"The field name \"{Exports.ExportWork.GeneratedIdField}\" is reserved for the generated id of a collection without a key field: rename the field, or choose a key field."));
            if (!FieldTypes.All.Contains(field.Type))
                problems.Add(new InputProblem(row + ".Type", $"The field \"{fieldName}\" has an unknown type \"{field.Type}\"."));
            schema.Add(new SchemaField(fieldName, field.Type, field.Required));
        }

        if (keyField is not null && schema.FirstOrDefault(f => f.Name == keyField) is { Required: false })
            problems.Add(new InputProblem("KeyField", $"The key field \"{keyField}\" is in the schema, so it must be required: a row without a key cannot be matched."));
        if (keyField is not null && schema.FirstOrDefault(f => f.Name != keyField && string.Equals(f.Name, keyField, StringComparison.OrdinalIgnoreCase)) is { } near)
            problems.Add(new InputProblem("KeyField", $"The key field \"{keyField}\" differs from the schema field \"{near.Name}\" only in case; field names are case-sensitive in files."));
        return schema;
    }
}
