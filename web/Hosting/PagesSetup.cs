using JobTracker.Web.Pages;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Hosting;

public static class PagesSetup
{
    /// <summary>The header site.js puts the antiforgery token in, for every htmx request.</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";

    public static WebApplicationBuilder AddJobTrackerPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(options =>
        {
            // One page creates and edits: a second route for "new".
            AddCreateRoute(options, "/Workspaces/Edit", "Workspaces/New");
            AddCreateRoute(options, "/Collections/Edit", "Workspaces/{workspaceId:long}/Collections/New");
        })
        // No client-side validation script here; without this the validation summary of a valid form
        // is an empty <li style="display:none">, an inline style the Content-Security-Policy refuses.
        .AddViewOptions(options => options.HtmlHelperOptions.ClientValidationEnabled = false);
        // htmx sends the token as a header, so validation never has to read (and buffer) a form body;
        // plain form posts send the hidden field (the import form's streamed upload: StreamedFormAntiforgery).
        builder.Services.AddAntiforgery(options => options.HeaderName = AntiforgeryHeader);
        // Times on pages read in the signed-in user's zone, resolved once per request.
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<TimeDisplay>();
        return builder;
    }

    /// <summary>
    /// A second route for an edit page, used to create. Ordered after the page's own route so that
    /// links with an id still go to ".../{id}/Edit" and only links without one come here.
    /// </summary>
    private static void AddCreateRoute(RazorPagesOptions options, string pageName, string template) =>
        options.Conventions.AddPageRouteModelConvention(pageName, page => page.Selectors.Add(new SelectorModel
        {
            AttributeRouteModel = new AttributeRouteModel { Template = template, Order = 1 },
        }));

    /// <summary>Friendly pages for errors and status codes (404, 403, ...): no stack traces, ever.</summary>
    public static WebApplication UseJobTrackerErrorPages(this WebApplication app)
    {
        app.UseExceptionHandler("/Error");
        app.UseStatusCodePagesWithReExecute("/Error", "?code={0}");
        return app;
    }
}
