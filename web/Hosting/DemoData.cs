using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Catalog;

namespace JobTracker.Web.Hosting;

/// <summary>
/// On first run (no workspace yet) creates "Acme Retail" with a Customers collection that matches
/// wwwroot/samples/customers.csv, and an "Empty Workspace" to show the empty state, through the
/// catalog services of jobs/ like any other workspace and collection.
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
        // Under the database's start-up lock: nodes starting at once on an empty database seed it once.
        using var startLock = database.Provider.LockMigrations(database);
        await using (var connection = await database.OpenAsync())
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM workspaces") > 0) return;
        }

        var workspaces = app.Services.GetRequiredService<WorkspaceEditor>();
        var acme = await workspaces.CreateAsync("Acme Retail");
        await workspaces.CreateAsync("Empty Workspace");
        await app.Services.GetRequiredService<CollectionEditor>().CreateAsync(acme, new CollectionSettings("Customers", "customerId", CustomersSchema));
        app.Logger.LogInformation("First run: created the demo workspaces \"Acme Retail\" (collection Customers) and \"Empty Workspace\"");
    }
}
