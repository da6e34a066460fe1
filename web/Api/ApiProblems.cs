using JobTracker.Jobs;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobTracker.Web.Api;

/// <summary>
/// The API's errors as RFC 9457 problem details (application/problem+json): the status, its title, and a
/// <c>detail</c> in words a person can act on; never a stack trace or a server path.
/// </summary>
public static class ApiProblems
{
    public static ProblemHttpResult Problem(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);

    public static ProblemHttpResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, detail);

    public static ProblemHttpResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, detail);

    public static ProblemHttpResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, detail);

    /// <summary>A change a service in jobs/ refused: 400, every problem in <c>detail</c>, and each under <c>errors</c> by its field.</summary>
    public static ProblemHttpResult Refused(ChangeRefusedException refused) =>
        Problem(StatusCodes.Status400BadRequest, refused.Message, new Dictionary<string, object?>
        {
            ["errors"] = refused.Problems
                .GroupBy(problem => problem.Field.Length == 0 ? "" : char.ToLowerInvariant(problem.Field[0]) + problem.Field[1..])
                .ToDictionary(group => group.Key, group => group.Select(problem => problem.Message).ToArray()),
        });

    public static ProblemHttpResult CollectionNotFound(long id) => NotFound($"There is no record collection with id {id}.");

    public static ProblemHttpResult JobNotFound(long id) => NotFound($"There is no job with id {id}.");

    /// <summary>Writes a problem straight to the response (authentication, and the API's error middleware).</summary>
    public static Task Write(HttpContext context, int status, string detail) => Problem(status, detail).ExecuteAsync(context);

    /// <summary>Who may call the endpoint of this request, for a 403's detail.</summary>
    public static string WhoMay(HttpContext context)
    {
        var policies = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy) ?? [];
        return policies.Contains(Policies.CanChange) ? "only admins may import, export, stop jobs and change schedules."
            : policies.Contains(Policies.CanDownload) ? "only admins and support staff may download audit logs and files."
            : "ask an admin for a role that may.";
    }
}
