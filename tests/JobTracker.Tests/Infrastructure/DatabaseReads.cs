using Dapper;
using JobTracker.Db;

namespace JobTracker.Tests.Infrastructure;

/// <summary>What tests read back from a database, for both the engine host and the app host.</summary>
public static class DatabaseReads
{
    public static JobRow Job(this Database database, long jobId)
    {
        using var connection = database.Open();
        return connection.QuerySingle<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @jobId", new { jobId });
    }

    public static List<BatchRow> Batches(this Database database, long jobId)
    {
        using var connection = database.Open();
        return connection.Query<BatchRow>($"SELECT {BatchRow.Columns} FROM batches WHERE job_id = @jobId ORDER BY batch_no", new { jobId }).AsList();
    }

    public static Dictionary<string, (string Data, long Version)> Records(this Database database, long collectionId)
    {
        using var connection = database.Open();
        return connection.Query<(string Key, string Data, long Version)>(
                "SELECT record_key, data, version FROM records WHERE collection_id = @collectionId", new { collectionId })
            .ToDictionary(r => r.Key, r => (r.Data, r.Version));
    }
}
