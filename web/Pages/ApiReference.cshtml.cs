using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace JobTracker.Web.Pages;

/// <summary>
/// The REST API's reference, for everyone signed in: every operation of the OpenAPI document with its
/// parameters, body and responses, rendered here from the document (no script, so the strict
/// Content-Security-Policy holds and nothing is fetched from elsewhere), and the document itself as JSON.
/// </summary>
public sealed class ApiReferenceModel(IServiceProvider services) : PageModel
{
    public sealed record Parameter(string Name, string In, bool Required, string Type, string? Description);

    public sealed record ResponseLine(string Code, string Description, string ContentTypes);

    public sealed record Operation(
        string Method, string Path, string? Summary, string? Description, string Tag,
        IReadOnlyList<Parameter> Parameters, IReadOnlyList<string> BodyTypes, IReadOnlyList<ResponseLine> Responses);

    public string Title { get; private set; } = "";

    public string? Description { get; private set; }

    public IReadOnlyList<Operation> Operations { get; private set; } = [];

    private IOpenApiDocumentProvider Documents => services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1");

    public async Task OnGetAsync()
    {
        var document = await Documents.GetOpenApiDocumentAsync(HttpContext.RequestAborted);
        Title = document.Info?.Title ?? "API";
        Description = document.Info?.Description;
        var operations = new List<Operation>();
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var parameters = (operation.Parameters ?? []).Select(p => new Parameter(
                    p.Name ?? "", p.In?.ToString().ToLowerInvariant() ?? "", p.Required, TypeOf(p.Schema), p.Description)).ToList();
                var body = operation.RequestBody?.Content?.Keys.ToList() ?? [];
                var responses = (operation.Responses ?? []).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ResponseLine(
                    r.Key, r.Value.Description ?? "", string.Join(", ", r.Value.Content?.Keys ?? []))).ToList();
                operations.Add(new Operation(method.Method, path, operation.Summary, operation.Description,
                    operation.Tags?.FirstOrDefault()?.Name ?? "", parameters, body, responses));
            }
        }
        Operations = operations;
    }

    /// <summary>The OpenAPI document as JSON (the same document the build writes).</summary>
    public async Task<IActionResult> OnGetDocumentAsync()
    {
        var document = await Documents.GetOpenApiDocumentAsync(HttpContext.RequestAborted);
        return Content(await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, HttpContext.RequestAborted), "application/json");
    }

    private static string TypeOf(IOpenApiSchema? schema) =>
        schema?.Type is { } type
            ? (type & ~JsonSchemaType.Null).ToString().ToLowerInvariant() + (schema.Format is { } format ? $" ({format})" : "")
            : "";
}
