using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Web;

/// <summary>
/// appsettings*.json are read once at start-up and not watched: a watcher would cover the whole content root, which
/// holds data/ (the database, its WAL, the logs), and read an event for every write an import makes.
/// </summary>
public sealed class StartupConfigurationTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    [Fact]
    public void The_settings_files_are_read_at_start_up_and_not_watched()
    {
        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.Contains(files, file => file.Source.Path == "appsettings.json");
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} is watched"));
    }
}
