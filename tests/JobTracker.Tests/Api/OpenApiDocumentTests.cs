using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Api;

/// <summary>
/// The OpenAPI document the build generates (web/obj/openapi/JobTracker.Web.json, by
/// Microsoft.Extensions.ApiDescription.Server) documents every /api/v1 endpoint the app maps, with its
/// responses; the app serves the same document, and the API reference page shows every operation under
/// the strict Content-Security-Policy.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiDocumentTests(ApiFixture fixture)
{
    public static string BuildDocumentPath => Path.Combine(JobTrackerApp.WebRoot, "obj", "openapi", "JobTracker.Web.json");

    private sealed record Mapped(string Method, string Path, bool HasPolicy, bool HasId);

    /// <summary>Every endpoint under /api/v1 that the app maps, but the document's own.</summary>
    private List<Mapped> MappedEndpoints() =>
        fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/v1/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => new Mapped(
                method,
                "/" + string.Join("/", e.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
                {
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                    _ => part.ToString(),
                })))),
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(data => data.Policy is Policies.CanChange or Policies.CanDownload),
                e.RoutePattern.Parameters.Count > 0)))
            .ToList();

    private static HashSet<string> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet();

    [Fact]
    public void The_build_time_document_documents_every_api_endpoint_with_its_responses()
    {
        Assert.True(File.Exists(BuildDocumentPath), $"the build did not write {BuildDocumentPath}");
        var document = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(BuildDocumentPath));
        var mapped = MappedEndpoints();
        Assert.True(mapped.Count >= 20, $"only {mapped.Count} endpoints found under /api/v1");

        Assert.Equal(mapped.Select(m => $"{m.Method} {m.Path}").Order(), Operations(document).Order());
        foreach (var endpoint in mapped)
        {
            var operation = document.GetProperty("paths").GetProperty(endpoint.Path).GetProperty(endpoint.Method.ToLowerInvariant());
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            var what = $"{endpoint.Method} {endpoint.Path} documents {string.Join(", ", responses)}";
            Assert.True(responses.Any(code => code.StartsWith('2')), what);
            Assert.Contains("401", responses);
            if (endpoint.HasPolicy) Assert.True(responses.Contains("403"), what);
            if (endpoint.HasId) Assert.True(responses.Contains("404"), what);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), what);
            foreach (var problem in responses.Where(code => code[0] is '4' or '5'))
                Assert.True(operation.GetProperty("responses").GetProperty(problem).GetProperty("content").TryGetProperty("application/problem+json", out _), $"{what}: {problem} is not a problem");
        }
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task The_app_serves_the_document_the_build_wrote()
    {
        using var viewer = fixture.Client(Roles.Viewer);
        var served = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var built = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(BuildDocumentPath));

        Assert.Equal(Operations(built).Order(), Operations(served).Order());
        Assert.Equal("Job Tracker API", served.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_reference_page_shows_every_operation_without_script_under_the_strict_policy()
    {
        using var browser = await fixture.App.SignInAsAsync(Roles.Viewer);
        using var response = await browser.GetAsync("/ApiReference");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        var shown = Html.Tags(page, "api-operation").Select(tag => $"{Html.Attribute(tag, "data-method")} {Html.Attribute(tag, "data-path")}").Order().ToList();
        Assert.Equal(MappedEndpoints().Select(m => $"{m.Method} {m.Path}").Order(), shown);
        // The layout's two scripts only: nothing inline, nothing from elsewhere.
        var scripts = System.Text.RegularExpressions.Regex.Matches(page, "<script[^>]*>").Select(m => m.Value).ToList();
        Assert.Equal(2, scripts.Count);
        Assert.All(scripts, script => Assert.Matches("src=\"/(lib/htmx/htmx.min.js|js/site.js)", script));
        Assert.DoesNotContain("style=", page);

        var document = await browser.GetFromJsonAsync<JsonElement>(Html.Attribute(Html.Tags(page, "openapi-document").Single(), "href")!);
        Assert.Equal(shown.Count, Operations(document).Count);
    }
}
