using JobTracker.Db;
using WorkspacesPage = JobTracker.Web.Pages.Workspaces.IndexModel;
using JobTracker.Web.Pages.Collections;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkspacePage = JobTracker.Web.Pages.Workspaces.DetailsModel;

namespace JobTracker.Web.Api;

/// <summary>Workspaces and record collections, read only (every role), through the pages' own queries.</summary>
public static class CatalogEndpoints
{
    /// <summary>A workspace with its record collections.</summary>
    public sealed record WorkspaceDetails(long Id, string Name, IReadOnlyList<WorkspacePage.CollectionLine> Collections);

    public static void MapCatalogEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/workspaces", async (Database database, HttpContext context) =>
            {
                await using var connection = await database.OpenAsync(context.RequestAborted);
                return TypedResults.Ok(await WorkspacesPage.ReadWorkspacesAsync(connection));
            })
            .WithName("ListWorkspaces").WithTags("Workspaces and collections")
            .WithSummary("Every workspace, by name, with its number of record collections.");

        api.MapGet("/workspaces/{id:long}", async Task<Results<Ok<WorkspaceDetails>, ProblemHttpResult>> (long id, Database database, HttpContext context) =>
            {
                await using var connection = await database.OpenAsync(context.RequestAborted);
                if (await WorkspacePage.LoadWorkspaceAsync(connection, id) is not { } workspace)
                    return ApiProblems.NotFound($"There is no workspace with id {id}.");
                return TypedResults.Ok(new WorkspaceDetails(workspace.Id, workspace.Name, await WorkspacePage.ReadCollectionsAsync(connection, id)));
            })
            .WithName("GetWorkspace").WithTags("Workspaces and collections")
            .WithSummary("A workspace and its record collections.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/collections/{id:long}", async Task<Results<Ok<CollectionHeading>, ProblemHttpResult>> (long id, Database database, HttpContext context) =>
            {
                await using var connection = await database.OpenAsync(context.RequestAborted);
                return await CollectionHeading.LoadAsync(connection, id) is { } collection
                    ? TypedResults.Ok(collection)
                    : ApiProblems.CollectionNotFound(id);
            })
            .WithName("GetCollection").WithTags("Workspaces and collections")
            .WithSummary("A record collection: its name, key field, number of records and workspace.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
