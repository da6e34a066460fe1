using Dapper;
using JobTracker.Db;

namespace JobTracker.Web.Hosting;

/// <summary>
/// On first run (no workspace yet) creates "Acme Retail" with a Customers collection that matches
/// wwwroot/samples/customers.csv, and an "Empty Workspace" to show the empty state.
/// Turn off with JobTracker:DemoData = false.
/// </summary>
public static class DemoData
{
    public static readonly SchemaField[] CustomersSchema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("email", FieldTypes.String, false),
        new("amount", FieldTypes.Decimal, false),
        new("signupDate", FieldTypes.DateTime, false),
        new("active", FieldTypes.Boolean, false),
    ];

    public static async Task SeedDemoDataAsync(this WebApplication app)
    {
        if (!app.Configuration.GetValue("JobTracker:DemoData", true)) return;

        var database = app.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM workspaces", transaction: transaction) > 0) return;

        var now = DateTime.UtcNow;
        var insertWorkspace = database.Provider.InsertReturningId("workspaces", "name, created_at", "@Name, @Now");
        var acme = await connection.ExecuteScalarAsync<long>(insertWorkspace, new { Name = "Acme Retail", Now = now }, transaction);
        await connection.ExecuteScalarAsync<long>(insertWorkspace, new { Name = "Empty Workspace", Now = now }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO collections (workspace_id, name, key_field, schema_json, created_at)
            VALUES (@WorkspaceId, 'Customers', 'customerId', @Schema, @Now)
            """, new { WorkspaceId = acme, Schema = CollectionSchema.Serialize(CustomersSchema), Now = now }, transaction);
        await transaction.CommitAsync();
        app.Logger.LogInformation("First run: created the demo workspaces \"Acme Retail\" (collection Customers) and \"Empty Workspace\"");
    }
}
