using Dapper;
using JobTracker.Db;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// A collection's records in key order, 50 a page, with keyset paging: Next reads the keys after the
/// page's last key (?after=), Previous the keys before its first (?before=, read backwards and turned
/// round), so a deep page costs what the first does and nothing is counted. Search by exact key or by
/// key prefix; a prefix is a key range (<see cref="RecordKeyRange"/>), so every read is a range scan
/// of the (collection_id, record_key) index. Keyless collections page by their generated ids, which
/// are their keys. Every signed-in user may read records, as they may read jobs.
/// </summary>
public sealed class RecordsModel(Database database) : PageModel
{
    public const int PageSize = 50;

    /// <summary>Search modes (?match=).</summary>
    public const string Prefix = "prefix", Exact = "exact";

    public sealed record RecordLine
    {
        public string RecordKey { get; init; } = "";
        public long Version { get; init; }
        public long? LastJobId { get; init; }
    }

    public CollectionHeading Collection { get; private set; } = new();

    public IReadOnlyList<RecordLine> Records { get; private set; } = [];

    /// <summary>The search text as typed (empty: no search).</summary>
    public string Search { get; private set; } = "";

    public string Match { get; private set; } = Prefix;

    public bool HasNextPage { get; private set; }

    public bool HasPreviousPage { get; private set; }

    /// <summary>The link to the page after (<paramref name="after"/>) or before (<paramref name="before"/>) a key, keeping the search.</summary>
    public string PageUrl(string? after = null, string? before = null) =>
        Url.Page("/Collections/Records", new
        {
            id = Collection.Id,
            q = Search.Length > 0 ? Search : null,
            match = Search.Length > 0 && Match == Exact ? Exact : null,
            after,
            before,
        })!;

    /// <summary>Last jobs of this page's records that the retention cleanup deleted.</summary>
    public IReadOnlySet<long> ExpiredJobs { get; private set; } = new HashSet<long>();

    public async Task<IActionResult> OnGetAsync(long id, string? q, string? match, string? after, string? before)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return NotFound();
        Collection = collection;
        Search = q ?? "";
        Match = match == Exact ? Exact : Prefix;

        var backwards = after is null && before is not null;
        var sql = "SELECT record_key AS RecordKey, version AS Version, last_job_id AS LastJobId FROM records WHERE collection_id = @id";
        string? prefixEnd = null;
        if (Search.Length > 0 && Match == Exact) sql += " AND record_key = @q";
        else if (Search.Length > 0)
        {
            sql += " AND record_key >= @q";
            prefixEnd = RecordKeyRange.UpperBound(Search);
            if (prefixEnd is not null) sql += " AND record_key < @prefixEnd";
        }
        if (after is not null) sql += " AND record_key > @after";
        else if (before is not null) sql += " AND record_key < @before";
        sql += (backwards ? " ORDER BY record_key DESC " : " ORDER BY record_key ") + database.Provider.Paging;

        var lines = (await connection.QueryAsync<RecordLine>(sql,
            new { id, q = Search, prefixEnd, after, before, Skip = 0, Take = PageSize + 1 })).ToList();
        var more = lines.Count > PageSize;
        if (more) lines.RemoveAt(PageSize);
        if (backwards)
        {
            lines.Reverse();
            HasPreviousPage = more;
            HasNextPage = true;
        }
        else
        {
            HasNextPage = more;
            HasPreviousPage = after is not null;
        }
        Records = lines;
        // Last jobs the retention cleanup deleted (a page names a few distinct jobs): shown as expired, not linked.
        var gone = new HashSet<long>();
        foreach (var jobId in lines.Select(line => line.LastJobId).OfType<long>().Distinct())
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE id = @jobId", new { jobId }) == 0) gone.Add(jobId);
        }
        ExpiredJobs = gone;
        return Page();
    }
}
