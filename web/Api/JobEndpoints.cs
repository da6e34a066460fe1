using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Running;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Http.HttpResults;
using JobDetails = JobTracker.Web.Pages.Jobs.DetailsModel;

namespace JobTracker.Web.Api;

/// <summary>
/// A collection's jobs (the Job Tracker's filters and keyset paging, through <see cref="JobsModel.ReadPageAsync"/>),
/// a job with its batches (every role), and Stop Job (admins, through <see cref="JobStopper"/>).
/// </summary>
public static class JobEndpoints
{
    public const int DefaultLimit = JobsModel.PageSize;
    public const int MaxLimit = 200;
    public const int MaxBatchLimit = 1000;

    /// <summary>One page of jobs, newest first; <c>nextAfter</c> is the cursor of the next page (null on the last one).</summary>
    public sealed record JobList(IReadOnlyList<JobsModel.JobLine> Jobs, long? NextAfter);

    /// <summary>A job, and one page of its batches in batch order; <c>nextAfterBatch</c> continues it (null on the last page).</summary>
    public sealed record JobWithBatches(JobDetails.JobFacts Job, IReadOnlyList<JobDetails.BatchLine> Batches, int? NextAfterBatch);

    /// <summary>The job after Stop: its status now (CANCELED).</summary>
    public sealed record StoppedJob(long Id, string Status);

    public static void MapJobEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/collections/{id:long}/jobs", ListJobsAsync)
            .WithName("ListJobs").WithTags("Jobs")
            .WithSummary("The collection's jobs, newest first, with the Job Tracker's filters.")
            .WithDescription("Filters: status (QUEUED, IN PROGRESS, COMPLETED, RAN WITH ERRORS, FAILED, CANCELED), type (Import or Export), " +
                             "initiatedBy, name (file or export name contains), from and to (submission dates, yyyy-MM-dd, UTC, both included). " +
                             "Paging: limit (1-200, default 25) and after (the nextAfter of the page before).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/jobs/{id:long}", GetJobAsync)
            .WithName("GetJob").WithTags("Jobs")
            .WithSummary("A job with its batches.")
            .WithDescription("Batches in batch order, batchLimit (1-1000, default 1000) at a time, continued with afterBatch; " +
                             "batchStatus narrows them to one status.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/jobs/{id:long}/stop", StopAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("StopJob").WithTags("Jobs")
            .WithSummary("Stop Job: a QUEUED or IN PROGRESS job becomes CANCELED (admins).")
            .WithDescription("Batches committed before the stop stay committed; the batch being processed is rolled back. 409 when the job has already finished.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Ok<JobList>, ProblemHttpResult>> ListJobsAsync(
        long id, string? status, string? type, string? initiatedBy, string? name, string? from, string? to, long? after, int? limit,
        Database database, HttpContext context)
    {
        var search = JobSearch.Parse(status, type, initiatedBy, name, from, to);
        if (!string.IsNullOrWhiteSpace(status) && search.Status is null)
            return ApiProblems.BadRequest($"The status \"{status}\" is not one of {string.Join(", ", JobSearch.Statuses)}.");
        if (!string.IsNullOrWhiteSpace(type) && search.Type is null)
            return ApiProblems.BadRequest($"The type \"{type}\" is not one of {string.Join(", ", JobSearch.Types)}.");
        if ((!string.IsNullOrWhiteSpace(from) && search.From is null) || (!string.IsNullOrWhiteSpace(to) && search.To is null))
            return ApiProblems.BadRequest("The dates from and to are written yyyy-MM-dd, e.g. 2025-01-31.");
        if (limit is < 1 or > MaxLimit) return ApiProblems.BadRequest($"limit must be between 1 and {MaxLimit}.");

        await using var connection = await database.OpenAsync(context.RequestAborted);
        if (await CollectionHeading.LoadAsync(connection, id) is null) return ApiProblems.CollectionNotFound(id);
        var page = await JobsModel.ReadPageAsync(connection, database.Provider, search, id, after, limit ?? DefaultLimit);
        if (after is not null && !page.AfterFound)
            return ApiProblems.BadRequest($"after={after} names no job of collection {id}: use the nextAfter of the page before.");
        return TypedResults.Ok(new JobList(page.Jobs, page.HasNextPage ? page.Jobs[^1].Id : null));
    }

    private static async Task<Results<Ok<JobWithBatches>, ProblemHttpResult>> GetJobAsync(
        long id, string? batchStatus, int? afterBatch, int? batchLimit, Database database, HttpContext context)
    {
        string? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(batchStatus))
        {
            var wanted = batchStatus.Trim();
            var filter = JobDetails.Filters.FirstOrDefault(f => f.Status is not null
                && (f.Value.Equals(wanted, StringComparison.OrdinalIgnoreCase) || f.Status.Equals(wanted, StringComparison.OrdinalIgnoreCase)));
            if (filter.Status is null)
                return ApiProblems.BadRequest($"The batchStatus \"{batchStatus}\" is not one of {string.Join(", ", JobDetails.Filters.Where(f => f.Status is not null).Select(f => f.Status))}.");
            statusFilter = filter.Status;
        }
        if (batchLimit is < 1 or > MaxBatchLimit) return ApiProblems.BadRequest($"batchLimit must be between 1 and {MaxBatchLimit}.");
        var take = batchLimit ?? MaxBatchLimit;

        await using var connection = await database.OpenAsync(context.RequestAborted);
        if (await JobDetails.LoadJobAsync(connection, id) is not { } job) return ApiProblems.JobNotFound(id);
        var batches = (await connection.QueryAsync<JobDetails.BatchLine>($"""
            SELECT batch_no AS BatchNo, status AS Status, status_reason AS StatusReason, row_count AS "RowCount",
                   started_at AS StartedAt, finished_at AS FinishedAt, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
                   file_id AS FileId
              FROM batches
             WHERE job_id = @id AND batch_no > @After AND (@AnyStatus = @Yes OR status = @Status)
             ORDER BY batch_no {database.Provider.Paging}
            """, new { id, After = afterBatch ?? -1, AnyStatus = statusFilter is null, Yes = true, Status = statusFilter ?? "", Skip = 0, Take = take + 1 })).AsList();
        var more = batches.Count > take;
        if (more) batches = batches[..take];
        return TypedResults.Ok(new JobWithBatches(job, batches, more ? batches[^1].BatchNo : null));
    }

    private static async Task<Results<Ok<StoppedJob>, ProblemHttpResult>> StopAsync(
        long id, Database database, JobStopper stopper, ILoggerFactory loggers, HttpContext context)
    {
        var stoppedBy = context.UserName();
        if (await stopper.StopAsync(id, stoppedBy, context.RequestAborted, context.Actor()))
        {
            loggers.CreateLogger(typeof(JobEndpoints).FullName!).LogInformation("{UserName} stopped job {JobId} through the API", stoppedBy, id);
            return TypedResults.Ok(new StoppedJob(id, Status.Canceled));
        }
        await using var connection = await database.OpenAsync(context.RequestAborted);
        var status = await connection.QuerySingleOrDefaultAsync<string>("SELECT status FROM jobs WHERE id = @id", new { id });
        return status is null
            ? ApiProblems.JobNotFound(id)
            : ApiProblems.Conflict($"Job {id} has already finished ({status}): there is nothing to stop.");
    }
}
