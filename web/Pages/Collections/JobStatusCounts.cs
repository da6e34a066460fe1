using System.Data.Common;
using System.Globalization;
using Dapper;
using JobTracker.Db;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The status chips' counts: jobs per status under every filter of a <see cref="JobSearch"/> but
/// status, each counted up to <see cref="Cap"/> (and one more, to tell "more than the cap"). An exact
/// GROUP BY status reads every matching job; a capped count walks ix_jobs_status_created only until the
/// cap. Read in the chips' own request, never by the table or its poll.
/// </summary>
public static class JobStatusCounts
{
    /// <summary>A status chip counts up to this many jobs and shows more as "1,000+".</summary>
    public const int Cap = 1_000;

    /// <summary>A chip's count as shown: exact up to <see cref="Cap"/>, then "1,000+".</summary>
    public static string Text(long count) =>
        count > Cap ? Cap.ToString("N0", CultureInfo.InvariantCulture) + "+" : count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Jobs per status (every status, zeros included) of collection <paramref name="collectionId"/>, each up to Cap + 1.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(DbConnection connection, DatabaseProvider provider, JobSearch search, long collectionId)
    {
        var othersWhere = search.OthersWhere;
        var statusIndex = provider.UseIndex("ix_jobs_status_created");
        var sql = string.Join(" UNION ALL ", JobSearch.Statuses.Select((_, i) =>
            $"SELECT @Status{i} AS Status, COUNT(*) AS Count FROM (SELECT id FROM jobs {statusIndex} WHERE {othersWhere} AND status = @Status{i} ORDER BY created_at DESC, id DESC {provider.Paging}) AS c{i}"));
        var parameters = search.Parameters(collectionId);
        parameters.Add("Skip", 0);
        parameters.Add("Take", Cap + 1);
        for (var i = 0; i < JobSearch.Statuses.Length; i++) parameters.Add($"Status{i}", JobSearch.Statuses[i]);
        var counts = JobSearch.Statuses.ToDictionary(s => s, _ => 0L);
        foreach (var (status, count) in await connection.QueryAsync<(string Status, long Count)>(sql, parameters)) counts[status] = count;
        return counts;
    }
}
