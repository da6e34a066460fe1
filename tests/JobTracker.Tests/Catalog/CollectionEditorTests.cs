using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Catalog;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Catalog;

/// <summary>Creating and editing record collections through the service the pages and the API call, on a real SQLite file.</summary>
public sealed class CollectionEditorTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private static CollectionSettings Settings(string? name, string? keyField, params SchemaField[] schema) => new(name, keyField, schema);

    private CollectionRow Row(long id)
    {
        using var connection = engine.Database.Open();
        return connection.QuerySingle<CollectionRow>(
            "SELECT id AS Id, workspace_id AS WorkspaceId, name AS Name, key_field AS KeyField, schema_json AS SchemaJson FROM collections WHERE id = @id", new { id });
    }

    [Fact]
    public async Task Creates_a_collection_with_trimmed_names_and_no_key_field_when_it_is_blank()
    {
        var workspace = await engine.Workspaces.CreateAsync("Acme");

        var keyed = await engine.Collections.CreateAsync(workspace, Settings(" Customers ", " id ", new SchemaField(" id ", FieldTypes.String, true), new SchemaField("amount", FieldTypes.Decimal, false)));
        var unkeyed = await engine.Collections.CreateAsync(workspace, Settings("Notes", "  "));

        var row = Row(keyed);
        Assert.Equal(("Customers", "id", workspace), (row.Name, row.KeyField, row.WorkspaceId));
        Assert.Equal([new SchemaField("id", FieldTypes.String, true), new SchemaField("amount", FieldTypes.Decimal, false)], row.Schema);
        Assert.Null(Row(unkeyed).KeyField);
    }

    [Fact]
    public async Task Refuses_a_bad_schema_with_every_problem_in_order_on_its_field()
    {
        var workspace = await engine.Workspaces.CreateAsync("Acme");

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Collections.CreateAsync(workspace, Settings(
            " ", "Id",
            new SchemaField("id", FieldTypes.String, true),
            new SchemaField("  ", FieldTypes.String, false),
            new SchemaField("ID", "money", false),
            new SchemaField("Id", FieldTypes.Integer, false))));

        Assert.Equal(
        [
            new InputProblem("Name", "Enter a name for the record collection."),
            new InputProblem("Fields[1].Name", "Schema row 2 has no field name: enter one, or remove the row."),
            new InputProblem("Fields[2].Name", "The field \"ID\" appears more than once in the schema (field names are compared ignoring case)."),
            new InputProblem("Fields[2].Type", "The field \"ID\" has an unknown type \"money\"."),
            new InputProblem("Fields[3].Name", "The field \"Id\" appears more than once in the schema (field names are compared ignoring case)."),
            new InputProblem("KeyField", "The key field \"Id\" is in the schema, so it must be required: a row without a key cannot be matched."),
            new InputProblem("KeyField", "The key field \"Id\" differs from the schema field \"id\" only in case; field names are case-sensitive in files."),
        ], refused.Problems);
        Assert.Equal(refused.Problems, await engine.Collections.CheckAsync(workspace, null, Settings(" ", "Id",
            new SchemaField("id", FieldTypes.String, true), new SchemaField("  ", FieldTypes.String, false),
            new SchemaField("ID", "money", false), new SchemaField("Id", FieldTypes.Integer, false))));
    }

    [Fact]
    public async Task A_field_named_id_with_an_underscore_is_refused_only_without_a_key_field()
    {
        var workspace = await engine.Workspaces.CreateAsync("Acme");

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Collections.CreateAsync(workspace, Settings(
            "Notes", null, new SchemaField("text", FieldTypes.String, false), new SchemaField(" _id ", FieldTypes.String, false))));

        Assert.Equal(
            [new InputProblem("Fields[1].Name", "The field name \"_id\" is reserved for the generated id of a collection without a key field: rename the field, or choose a key field.")],
            refused.Problems);
        var keyed = await engine.Collections.CreateAsync(workspace, Settings("Keyed", "_id", new SchemaField("_id", FieldTypes.String, true)));
        Assert.Equal("_id", Row(keyed).KeyField);
        var unkeying = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Collections.UpdateAsync(keyed, Settings("Keyed", " ", new SchemaField("_id", FieldTypes.String, true))));
        Assert.Equal(["Fields[0].Name"], unkeying.Problems.Select(p => p.Field));
    }

    [Fact]
    public async Task A_name_is_unique_in_its_workspace_only()
    {
        var acme = await engine.Workspaces.CreateAsync("Acme");
        var other = await engine.Workspaces.CreateAsync("Other");
        await engine.Collections.CreateAsync(acme, Settings("Customers", null));

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Collections.CreateAsync(acme, Settings("Customers", null)));

        Assert.Equal(new InputProblem("Name", "The workspace already has a record collection named \"Customers\"."), Assert.Single(refused.Problems));
        Assert.True(await engine.Collections.CreateAsync(other, Settings("Customers", null)) > 0);
    }

    [Fact]
    public async Task Key_field_and_schema_stay_while_a_job_is_unfinished_but_the_name_may_change()
    {
        var collection = engine.CreateCollection("Customers", "customerId", new SchemaField("customerId", FieldTypes.String, true));
        await engine.SubmitAsync(collection, "a.csv", "customerId\nc1\n");

        var refused = await Assert.ThrowsAsync<ChangeRefusedException>(() => engine.Collections.UpdateAsync(collection, Settings("Customers", null, new SchemaField("customerId", FieldTypes.String, true))));
        Assert.Equal(
            new InputProblem("", "A job of this collection is still queued or in progress. Wait until it finishes (or stop it) before changing the key field or the schema."),
            Assert.Single(refused.Problems));

        Assert.True(await engine.Collections.UpdateAsync(collection, Settings("Clients", "customerId", new SchemaField("customerId", FieldTypes.String, true))));
        Assert.Equal(("Clients", "customerId"), (Row(collection).Name, Row(collection).KeyField));

        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        Assert.True(await engine.Collections.UpdateAsync(collection, Settings("Clients", null)));
        Assert.Null(Row(collection).KeyField);
        Assert.False(await engine.Collections.UpdateAsync(999, Settings("Nowhere", null)));
    }
}
