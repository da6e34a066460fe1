using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// A job's Details panel: the job, its batches (50 a page, filtered by status), Refresh and Stop Job.
/// The same URL returns the whole page, or for htmx _BatchTable plus the summary and the filter
/// out of band (filter change, paging, Refresh, and the poll while the job is unfinished).
/// Three small indexed reads, whatever the number of batches: the job row, the batch count per
/// status (ix_batches_status), and one page of batches.
/// </summary>
public sealed class DetailsModel(Database database, TimeDisplay times, PollRenderCache rendered) : PageModel
{
    public const int PageSize = 50;

    /// <summary>The batch filter: query-string value, status, label.</summary>
    public static readonly IReadOnlyList<(string Value, string? Status, string Label)> Filters =
    [
        ("", null, "All Batches"),
        ("queued", Status.Queued, "Queued"),
        ("in-progress", Status.InProgress, "In Progress"),
        ("completed", Status.Completed, "Completed"),
        ("ran-with-errors", Status.RanWithErrors, "Ran with Errors"),
        ("failed", Status.Failed, "Failed"),
        ("canceled", Status.Canceled, "Canceled"),
    ];

    public sealed record JobFacts
    {
        public long Id { get; init; }
        public string JobType { get; init; } = "";
        public string FileName { get; init; } = "";
        public string? FileFormat { get; init; }
        public long? SourceFileId { get; init; }
        public string Status { get; init; } = "";
        public string? StatusReason { get; init; }
        public string? Note { get; init; }
        public string InitiatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public long? TotalRows { get; init; }
        public long SucceededRows { get; init; }
        public long FailedRows { get; init; }
        public int? BatchCount { get; init; }
        public int BatchSize { get; init; }
        public long CollectionId { get; init; }
        public string CollectionName { get; init; } = "";
        public long WorkspaceId { get; init; }
        public string WorkspaceName { get; init; } = "";
        public string? ExportName { get; init; }
        public bool DryRun { get; init; }
        public long? RetryOfJobId { get; init; }

        /// <summary>When the retention cleanup deleted the job's files, and its audit log (null: kept).</summary>
        public DateTime? FilesExpiredAt { get; init; }
        public DateTime? AuditExpiredAt { get; init; }

        /// <summary>A CSV import's column mapping (jobs.column_mapping), as JSON.</summary>
        public string? ColumnMapping { get; init; }

        public bool IsFinished => JobTracker.Db.Status.IsFinished(Status);
        public bool IsImport => JobType == "Import";
        public bool IsExport => JobType == JobTypes.Export;

        /// <summary>An export of an empty collection: COMPLETED 0 / 0 with one empty file.</summary>
        public bool IsEmptyExport => IsExport && Status == JobTracker.Db.Status.Completed && TotalRows == 0;
    }

    /// <summary>A row of the batch table. A property added here and shown goes into <see cref="Version"/> too.</summary>
    public sealed record BatchLine
    {
        public int BatchNo { get; init; }
        public string Status { get; init; } = "";
        public string? StatusReason { get; init; }
        public int RowCount { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public int SucceededRows { get; init; }
        public int FailedRows { get; init; }

        /// <summary>An export batch's file, set when the batch commits.</summary>
        public long? FileId { get; init; }
    }

    private sealed record StatusCount
    {
        public string Status { get; init; } = "";
        public long Count { get; init; }
    }

    public JobFacts Job { get; private set; } = new();

    public IReadOnlyList<BatchLine> Batches { get; private set; } = [];

    /// <summary>Batches per status; "" is the total.</summary>
    public IReadOnlyDictionary<string, long> Counts { get; private set; } = new Dictionary<string, long>();

    /// <summary>The filter in effect: one of <see cref="Filters"/>' values ("" for all batches).</summary>
    public string Filter { get; private set; } = "";

    public int PageNumber { get; private set; } = 1;

    public int PageCount { get; private set; } = 1;

    /// <summary>Batches that have run to an end (completed, with errors, failed or canceled).</summary>
    public long FinishedBatches { get; private set; }

    /// <summary>For a QUEUED job: the unfinished job of the same collection it waits for, if any.</summary>
    public long? JobAhead { get; private set; }

    /// <summary>Rows per second, time left and the throughput chart; null until the job starts.</summary>
    public Throughput? Progress { get; private set; }

    /// <summary>The jobs that retry this one's failed rows (jobs.retry_of_job_id), oldest first.</summary>
    public IReadOnlyList<long> RetriedBy { get; private set; } = [];

    /// <summary>The job's own activity trail (queued, stopped, downloads, its end), oldest first; read for the whole page only.</summary>
    public IReadOnlyList<JobTracker.Web.Pages.Trail.ActivityLine> Activity { get; private set; } = [];

    /// <summary>At most this many of the job's activity entries are shown (the newest); the Activity page has them all.</summary>
    public const int ActivityShown = 20;

    /// <summary>
    /// The version of what the poll's answer shows (the batch table, the summary and the filter;
    /// <see cref="PollVersion"/>): the poll sends it back and gets 304 while it holds.
    /// </summary>
    public string ETag { get; private set; } = "";

    /// <summary>True when rendering the htmx answer: the summary and the filter go out of band.</summary>
    public bool OutOfBand { get; private set; }

    public long CountOf(string filterValue) => Counts.GetValueOrDefault(filterValue);

    public string PageUrl(string filter, int pageNumber) =>
        Url.Page("/Jobs/Details", new { id = Job.Id }) + Query(filter, pageNumber);

    public string CurrentUrl => PageUrl(Filter, PageNumber);

    /// <summary>An export's batch file ({exportName}-{batchNo}.json), as its download is named.</summary>
    public string BatchFileName(int batchNo) => ExportWork.BatchFileName(Job.ExportName ?? Job.FileName, batchNo);

    /// <summary>Finished batch files of an export, all in the Download all archive.</summary>
    public long FileCount => Job.IsExport ? CountOf("completed") : 0;

    /// <summary>Stop Job comes back to the same filter and page.</summary>
    public string StopUrl => Url.Page("/Jobs/Stop", new { id = Job.Id }) + Query(Filter, PageNumber);

    private static string Query(string filter, int pageNumber)
    {
        var query = QueryString.Empty;
        if (filter.Length > 0) query = query.Add("status", filter);
        if (pageNumber > 1) query = query.Add("page", pageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return query.ToUriComponent();
    }

    // "page" is a route value of Razor Pages itself: read the query string's "page" by name.
    public async Task<IActionResult> OnGetAsync(long id, string? status, [FromQuery(Name = "page")] int pageNumber = 1)
    {
        var filter = Filters.FirstOrDefault(f => f.Value == status?.Trim().ToLowerInvariant());
        Filter = filter.Value ?? "";
        PageNumber = Math.Max(1, pageNumber);
        // The same poll of a running job answered less than a second ago: that answer, without reading (PollRenderCache).
        if (rendered.Recent(this, times.ZoneId) is { } recent) return rendered.Send(this, recent);

        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var job = await LoadJobAsync(connection, id);
        if (job is null) return NotFound();
        Job = job;

        if (job.Status == Status.Queued)
        {
            JobAhead = await connection.ExecuteScalarAsync<long?>(
                "SELECT MAX(id) FROM jobs WHERE collection_id = @CollectionId AND finished_at IS NULL AND id < @id",
                new { job.CollectionId, id });
        }

        RetriedBy = (await connection.QueryAsync<long>(
            "SELECT id FROM jobs WHERE retry_of_job_id = @id ORDER BY id", new { id })).AsList();

        if (!Request.WantsPartial())
        {
            var newest = (await connection.QueryAsync<JobTracker.Web.Pages.Trail.ActivityLine>(
                $"SELECT {JobTracker.Web.Pages.Trail.ActivityLine.Columns} FROM activity WHERE job_id = @id ORDER BY id DESC {database.Provider.Paging}",
                new { id, Skip = 0, Take = ActivityShown })).AsList();
            newest.Reverse();
            Activity = newest;
        }

        var byStatus = (await connection.QueryAsync<StatusCount>(
            "SELECT status AS Status, COUNT(*) AS Count FROM batches WHERE job_id = @id GROUP BY status", new { id })).AsList();
        var counts = Filters.ToDictionary(f => f.Value, f => f.Status is null ? byStatus.Sum(c => c.Count) : byStatus.Where(c => c.Status == f.Status).Sum(c => c.Count));
        Counts = counts;
        FinishedBatches = byStatus.Where(c => Status.IsFinished(c.Status)).Sum(c => c.Count);
        PageCount = (int)Math.Max(1, (counts[Filter] + PageSize - 1) / PageSize);

        var paging = new { id, Status = filter.Status, Skip = (PageNumber - 1) * PageSize, Take = PageSize };
        Batches = (await connection.QueryAsync<BatchLine>(filter.Status is null
            ? $"""
              SELECT batch_no AS BatchNo, status AS Status, status_reason AS StatusReason, row_count AS "RowCount",
                     started_at AS StartedAt, finished_at AS FinishedAt, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
                     file_id AS FileId
                FROM batches
               WHERE job_id = @id
               ORDER BY batch_no {database.Provider.Paging}
              """
            : $"""
              SELECT batch_no AS BatchNo, status AS Status, status_reason AS StatusReason, row_count AS "RowCount",
                     started_at AS StartedAt, finished_at AS FinishedAt, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
                     file_id AS FileId
                FROM batches
               WHERE job_id = @id AND status = @Status
               ORDER BY batch_no {database.Provider.Paging}
              """, paging)).AsList();

        // Progress: rows per second, time left and the chart, from the committed batches' finish times.
        if (job.StartedAt is not null)
        {
            var finishes = await connection.QueryAsync<Throughput.Finish>("""
                SELECT finished_at AS FinishedAt, succeeded_rows + failed_rows AS "Rows"
                  FROM batches
                 WHERE job_id = @id AND finished_at IS NOT NULL AND status <> @Canceled
                """, new { id, Status.Canceled });
            Progress = Throughput.Of(job.StartedAt, job.FinishedAt, job.TotalRows, finishes, DateTime.UtcNow);
        }

        ETag = Version();
        if (this.NotModified(ETag) is { } notModified)
        {
            Response.Headers.Append("Vary", Htmx.RequestHeader);
            return notModified;
        }

        // The partial also updates the summary and the filter, out of band. It holds no antiforgery token while the
        // job runs (Stop Job posts through htmx, with the header), so it is rendered once per version for everyone;
        // a finished job's Retry and Import for real forms carry the user's token: never shared.
        OutOfBand = Request.WantsPartial();
        return OutOfBand ? rendered.Partial(this, "_JobPanelUpdate", ETag, shareable: !job.IsFinished, times.ZoneId) : this.PageOrPartial("_JobPanelUpdate");
    }

    /// <summary>
    /// Every value _BatchTable, _JobSummary and _BatchFilter render, with the URL (filter and page), the
    /// user's zone and role. A running job's figures move with the clock (the chart ends now, to the
    /// second; the rate and time left as their text reads), so its version changes while it runs.
    /// </summary>
    private string Version()
    {
        using var version = PollVersion.For(this, CurrentUrl, times.ZoneId)
            .AddRecord(Job).Add(Filter).Add(PageNumber).Add(PageCount).Add(FinishedBatches).Add(JobAhead).Add(RetriedBy.Count);
        foreach (var retry in RetriedBy) version.Add(retry);
        foreach (var (value, _, _) in Filters) version.Add(CountOf(value));
        foreach (var batch in Batches)
        {
            version.Add(batch.BatchNo).Add(batch.Status).Add(batch.StatusReason).Add(batch.RowCount).Add(batch.StartedAt)
                .Add(batch.FinishedAt).Add(batch.SucceededRows).Add(batch.FailedRows).Add(batch.FileId);
        }
        if (Progress is { } progress)
        {
            version.Add(progress.Start).Add(progress.End.Ticks / TimeSpan.TicksPerSecond).Add(progress.Running).Add(progress.Interval.Ticks)
                .Add(progress.Rows).Add(progress.RateText).Add(progress.TimeLeftText);
            foreach (var bar in progress.Bars) version.Add(bar.Start).Add(bar.Rows);
        }
        return version.ETag;
    }

    /// <summary>The job with its collection and workspace, or null when there is no such job (this page and the REST API).</summary>
    public static Task<JobFacts?> LoadJobAsync(System.Data.Common.DbConnection connection, long id) =>
        connection.QuerySingleOrDefaultAsync<JobFacts>("""
            SELECT j.id AS Id, j.job_type AS JobType, j.file_name AS FileName, j.file_format AS FileFormat,
                   j.source_file_id AS SourceFileId, j.status AS Status, j.status_reason AS StatusReason, j.note AS Note,
                   j.initiated_by AS InitiatedBy, j.created_at AS CreatedAt, j.started_at AS StartedAt,
                   j.finished_at AS FinishedAt, j.total_rows AS TotalRows, j.succeeded_rows AS SucceededRows,
                   j.failed_rows AS FailedRows, j.batch_count AS BatchCount, j.batch_size AS BatchSize,
                   j.export_name AS ExportName, j.dry_run AS DryRun, j.retry_of_job_id AS RetryOfJobId,
                   j.column_mapping AS ColumnMapping, j.files_expired_at AS FilesExpiredAt, j.audit_expired_at AS AuditExpiredAt,
                   c.id AS CollectionId, c.name AS CollectionName, w.id AS WorkspaceId, w.name AS WorkspaceName
              FROM jobs j
              JOIN collections c ON c.id = j.collection_id
              JOIN workspaces w ON w.id = c.workspace_id
             WHERE j.id = @id
            """, new { id });
}
