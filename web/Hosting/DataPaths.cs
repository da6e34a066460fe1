using JobTracker.Db;
using JobTracker.Jobs;
using Microsoft.Data.Sqlite;

namespace JobTracker.Web.Hosting;

/// <summary>
/// Everything the app writes lives under data/: the database, uploaded files and logs. Relative
/// paths in configuration resolve against the content root, not the current directory, so
/// `dotnet run --project web` from anywhere and the test host all use the same folder.
/// </summary>
public static class DataPaths
{
    public static WebApplicationBuilder AddJobTrackerDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services =>
        {
            var configured = services.GetRequiredService<IConfiguration>().GetConnectionString("JobTracker") ?? "Data Source=data/jobtracker.db";
            var connection = new SqliteConnectionStringBuilder(configured);
            if (!IsInMemory(connection.DataSource))
                connection.DataSource = Path.GetFullPath(connection.DataSource, builder.Environment.ContentRootPath);
            return new Database(connection.ToString());
        });
        return builder;
    }

    public static WebApplicationBuilder AddJobTrackerDataPaths(this WebApplicationBuilder builder)
    {
        builder.Services.PostConfigure<EngineOptions>(options =>
            options.StoragePath = Path.GetFullPath(options.StoragePath, builder.Environment.ContentRootPath));
        return builder;
    }

    /// <summary>Applies the embedded migrations before anything else touches the database.</summary>
    public static void MigrateDatabase(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        database.Migrate();
        app.Logger.LogInformation("Database {DataSource} is up to date", database.DataSource);
    }

    private static bool IsInMemory(string dataSource) =>
        dataSource.Length == 0 || dataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase);
}
