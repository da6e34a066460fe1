using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.OpenApi;

namespace JobTracker.Web.Api;

/// <summary>
/// The REST API under /api/v1: minimal API endpoints (a thin map over the services in jobs/ and the pages'
/// read queries), personal API tokens as the only authentication, problem details for every error, and the
/// OpenAPI document (generated at build time too, by Microsoft.Extensions.ApiDescription.Server).
/// </summary>
public static class ApiSetup
{
    public const string Prefix = "/api/v1";

    /// <summary>The endpoints' own policy: a valid API token (the cookie scheme is never asked), any role.</summary>
    public static readonly AuthorizationPolicy TokenPolicy =
        new AuthorizationPolicyBuilder(ApiTokenHandler.SchemeName).RequireAuthenticatedUser().Build();

    /// <summary>
    /// True inside the build's OpenAPI document generator (Microsoft.Extensions.ApiDescription.Server's
    /// GetDocument.Insider), which runs Program.cs up to app.Run() only to read the endpoints.
    /// </summary>
    public static bool IsBuildTimeDocumentGeneration { get; } =
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static WebApplicationBuilder AddJobTrackerApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null);
        builder.Services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Job Tracker API",
                    Version = "v1",
                    Description = "Import files into record collections, export them, watch, stop and audit the jobs, and manage export schedules. " +
                                  "Every call needs a personal API token: Authorization: Bearer <token>. Errors are RFC 9457 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A personal API token, created on the API tokens page of the console.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>
    /// For requests under /api: no HTML status-code or error pages but problem details, for a status code
    /// set without a body (an unknown route: 404) and for an exception (500, the cause in the log only).
    /// Register after the error pages, so that this sees the status-code pages feature and comes first.
    /// </summary>
    public static WebApplication UseJobTrackerApiErrors(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.Use(async (context, next) =>
        {
            if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages) statusCodePages.Enabled = false;
            try
            {
                // Only the API's own endpoints (which ask for a token) go on: no route (404), or the one routing
                // makes for a method or content type no endpoint takes (405, 415), answers here, so that the
                // console's cookie sign-in (the fallback policy) never sends an API caller to the login page.
                if (context.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null)
                    await next(context);
                else if (context.GetEndpoint()?.RequestDelegate is { } routingAnswer)
                    await routingAnswer(context);
                else
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
            catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ApiProblems.Write(context, bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is larger than this endpoint accepts."
                    : "The request could not be read. Check its body and headers and send it again.");
                return;
            }
            catch (Exception failed) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                app.Logger.LogError(failed, "API request {Method} {Path} failed", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await ApiProblems.Write(context, StatusCodes.Status500InternalServerError,
                    "Something went wrong on the server. Nothing was lost; try again, and if it keeps happening ask an administrator to look at the log.");
                return;
            }
            var response = context.Response;
            if (!response.HasStarted && response.StatusCode >= 400 && response.ContentType is null && response.ContentLength is null)
            {
                await ApiProblems.Write(context, response.StatusCode, response.StatusCode switch
                {
                    StatusCodes.Status404NotFound => $"There is no API endpoint {context.Request.Method} {context.Request.Path}. The API's endpoints are listed at {Prefix}/openapi.json.",
                    StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
                    StatusCodes.Status415UnsupportedMediaType => $"The request body's Content-Type ({context.Request.ContentType ?? "none"}) is not one this endpoint takes: " +
                                                                 "an import is multipart/form-data (curl -F file=@customers.csv), every other body application/json.",
                    _ => "The request was refused.",
                });
            }
        }));
        return app;
    }

    /// <summary>Every endpoint of /api/v1, and the OpenAPI document at /api/v1/openapi.json.</summary>
    public static WebApplication MapJobTrackerApi(this WebApplication app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(TokenPolicy)
            .DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapCatalogEndpoints();
        api.MapJobEndpoints();
        api.MapSubmitEndpoints();
        api.MapDownloadEndpoints();
        api.MapScheduleEndpoints();
        api.MapActivityEndpoints();
        app.MapOpenApi("/api/{documentName}/openapi.json").RequireAuthorization(TokenPolicy);
        return app;
    }

    /// <summary>The user name a change is recorded under (Initiated By, the logs).</summary>
    public static string UserName(this HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
