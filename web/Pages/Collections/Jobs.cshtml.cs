using Dapper;
using JobTracker.Db;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The Job Tracker of one collection: its jobs, newest first, 25 a page. The same URL returns the
/// whole page, or only _JobTable for htmx (paging, and the poll while a job is unfinished).
/// Cheap enough to poll with 100k jobs: a page is read through ix_jobs_collection (LIMIT 26 tells
/// whether there is a next page; nothing is counted) and "anything unfinished?" through ix_jobs_unfinished.
/// </summary>
public sealed class JobsModel(Database database) : PageModel
{
    public const int PageSize = 25;


    public sealed record JobLine
    {
        public long Id { get; init; }
        public string JobType { get; init; } = "";
        public string FileName { get; init; } = "";
        public string? FileFormat { get; init; }
        public string Status { get; init; } = "";
        public string InitiatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public long? TotalRows { get; init; }
        public long SucceededRows { get; init; }
        public bool DryRun { get; init; }
        public long? RetryOfJobId { get; init; }
    }

    public CollectionHeading Collection { get; private set; } = new();

    public IReadOnlyList<JobLine> Jobs { get; private set; } = [];

    public int PageNumber { get; private set; } = 1;

    public bool HasNextPage { get; private set; }

    /// <summary>True while any job of the collection is unfinished: the table keeps polling.</summary>
    public bool Polling { get; private set; }

    public string PageUrl(int pageNumber) =>
        Url.Page("/Collections/Jobs", new { id = Collection.Id }) + (pageNumber > 1 ? $"?page={pageNumber}" : "");

    // "page" is a route value of Razor Pages itself: read the query string's "page" by name.
    public async Task<IActionResult> OnGetAsync(long id, [FromQuery(Name = "page")] int pageNumber = 1)
    {
        PageNumber = Math.Max(1, pageNumber);
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return NotFound();
        Collection = collection;

        // The inner query pages over the index alone; only the rows shown are read from the table.
        var jobs = (await connection.QueryAsync<JobLine>($"""
            SELECT id AS Id, job_type AS JobType, file_name AS FileName, file_format AS FileFormat,
                   status AS Status, initiated_by AS InitiatedBy, created_at AS CreatedAt,
                   started_at AS StartedAt, finished_at AS FinishedAt,
                   total_rows AS TotalRows, succeeded_rows AS SucceededRows, dry_run AS DryRun, retry_of_job_id AS RetryOfJobId
              FROM jobs
             WHERE id IN (SELECT id FROM jobs WHERE collection_id = @id ORDER BY id DESC {database.Provider.Paging})
             ORDER BY id DESC
            """, new { id, Skip = (PageNumber - 1) * PageSize, Take = PageSize + 1 })).AsList();
        HasNextPage = jobs.Count > PageSize;
        Jobs = HasNextPage ? jobs[..PageSize] : jobs;

        Polling = await connection.ExecuteScalarAsync<long>("""
            SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE collection_id = @id AND finished_at IS NULL) THEN 1 ELSE 0 END
            """, new { id }) == 1;

        return this.PageOrPartial("_JobTable");
    }
}
