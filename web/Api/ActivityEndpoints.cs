using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Web.Hosting;
using JobTracker.Web.Pages.Trail;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobTracker.Web.Api;

/// <summary>The activity trail (admins): the Activity page's filters and keyset paging, through <see cref="ActivitySearch"/>.</summary>
public static class ActivityEndpoints
{
    public const int DefaultLimit = IndexModel.PageSize;
    public const int MaxLimit = 500;

    /// <summary>One page of activity entries, newest first; <c>nextAfter</c> is the cursor of the next page (null on the last one).</summary>
    public sealed record ActivityList(IReadOnlyList<ActivityLine> Entries, long? NextAfter);

    public static void MapActivityEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/activity", ListAsync)
            .RequireAuthorization(Policies.CanChange)
            .WithName("ListActivity").WithTags("Activity")
            .WithSummary("The activity trail, newest first: every change and every download, who did it, how and from which address (admins).")
            .WithDescription("Filters: who (the actor's name, any case: a user name, worker, schedule <name>, retention), action (e.g. Stop job, " +
                             "Download audit log), kind (job, schedule, workspace, collection, user, token, webhook) and objectId, jobId, " +
                             "from and to (dates, yyyy-MM-dd, UTC, both included). Paging: limit (1-500, default 50) and after (the nextAfter of the page before).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task<Results<Ok<ActivityList>, ProblemHttpResult>> ListAsync(
        string? who, string? action, string? kind, long? objectId, long? jobId, string? from, string? to, long? after, int? limit,
        Database database, HttpContext context)
    {
        var search = ActivitySearch.Parse(who, action, kind, objectId, jobId, from, to);
        if (!string.IsNullOrWhiteSpace(action) && search.Action is null)
            return ApiProblems.BadRequest($"The action \"{action}\" is not one of {string.Join(", ", ActivityActions.All)}.");
        if (!string.IsNullOrWhiteSpace(kind) && search.Kind is null)
            return ApiProblems.BadRequest($"The kind \"{kind}\" is not one of {string.Join(", ", ActivityObjects.All)}.");
        if ((!string.IsNullOrWhiteSpace(from) && search.From is null) || (!string.IsNullOrWhiteSpace(to) && search.To is null))
            return ApiProblems.BadRequest("The dates from and to are written yyyy-MM-dd, e.g. 2025-01-31.");
        if (limit is < 1 or > MaxLimit) return ApiProblems.BadRequest($"limit must be between 1 and {MaxLimit}.");

        await using var connection = await database.OpenAsync(context.RequestAborted);
        var page = await search.ReadPageAsync(connection, database.Provider, after, limit ?? DefaultLimit);
        return TypedResults.Ok(new ActivityList(page.Entries, page.HasNextPage ? page.Entries[^1].Id : null));
    }
}
