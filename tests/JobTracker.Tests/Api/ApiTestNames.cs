using Dapper;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages.Collections;

namespace JobTracker.Tests.Api;

/// <summary>Names the API makes up, as the tests expect them.</summary>
public static class ApiTestNames
{
    /// <summary>The start of a default export name: the collection's name as the Export form suggests it, without the date.</summary>
    public static string Slug(JobTrackerApp app, long collectionId)
    {
        using var connection = app.Database.Open();
        var name = connection.ExecuteScalar<string>("SELECT name FROM collections WHERE id = @collectionId", new { collectionId })!;
        var suggested = ExportModel.SuggestedName(name, DateTime.UtcNow);
        return suggested[..suggested.LastIndexOf('-')];
    }
}
