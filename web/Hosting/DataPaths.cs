using JobTracker.Db;
using JobTracker.Jobs;

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
            var configuration = services.GetRequiredService<IConfiguration>();
            return Database.Create(
                configuration["JobTracker:Database:Provider"],
                configuration.GetConnectionString("JobTracker"),
                builder.Environment.ContentRootPath);
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
        app.Logger.LogInformation("Database {Provider} {Database} is up to date", database.Provider.Name, database.Description);
    }
}
