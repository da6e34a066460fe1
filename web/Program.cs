using System.Globalization;
using JobTracker.Jobs;
using JobTracker.Web.Health;
using JobTracker.Web.Api;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog;

// Numbers and dates in pages, messages and files read the same on every machine, whatever its locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;

// Configuration is read once, at start-up: reloading appsettings*.json on change means a watcher over the whole content
// root, which holds data/ (the database, its WAL, the logs, the stored files), and it read an event for every write: about
// 0.5-1 s of CPU in a 1M-row import. A changed setting takes effect at the next start.
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);

builder.AddJobTrackerLogging();                                 // Serilog: console + data/logs/, from configuration
builder.AddJobTrackerDatabase();                                // the configured provider and connection string, one Database singleton
builder.AddJobTrackerEngine();                                  // file store, import, stop, audit log, Quartz workers
builder.AddJobTrackerDataPaths();                               // relative data paths resolve against the content root
builder.AddJobTrackerSignIn();                                  // cookie sign-in, roles, policies
builder.AddJobTrackerPages();                                   // Razor Pages, antiforgery header for htmx
builder.AddJobTrackerTransport();                               // Secure cookies, HSTS, HTTPS redirection, forwarded headers: as configured
builder.AddJobTrackerHealth();                                  // /health/live and /health/ready checks
builder.AddJobTrackerApi();                                     // REST API: API-token authentication, problem details, OpenAPI
builder.AddJobTrackerPollCompression();                         // Brotli / gzip for the polled partials only
builder.Services.AddSingleton<PollRenderCache>();               // polled partials rendered once per version, for everyone
if (ApiSetup.IsBuildTimeDocumentGeneration)
    builder.Services.RemoveAll<IHostedService>();               // the build's OpenAPI generator starts the host: no worker, no sweep

var app = builder.Build();

// The build's OpenAPI document generator runs this file to read the endpoints: it gets no database.
if (!ApiSetup.IsBuildTimeDocumentGeneration)
{
    app.MigrateDatabase();
    app.CreateSigningKeyOnce();                                 // one sign-in key for every node, even when they start at once
    await app.SeedFirstAdminAsync();
    await app.SeedDemoDataAsync();
}

app.UseJobTrackerForwardedHeaders();                            // behind a known proxy: the client's scheme and address
app.UseJobTrackerSecurityHeaders();                             // CSP and friends on every answer, error pages and static files too
app.UseJobTrackerErrorPages();
app.UseJobTrackerApiErrors();                                   // under /api: problem details, never an HTML error page
app.UseJobTrackerHttps();                                       // HSTS and HTTPS redirection, when configured
app.UseStaticFiles();
app.UseJobTrackerPollCompression();                             // the Job Tracker's and Job Details' polls, when configured
app.UseSerilogRequestLogging(options =>
{
    options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();   // this app's logger (LoggingSetup keeps the static one out)
    options.GetLevel = RequestLogging.Level;
});
app.UseAuthentication();
app.UseAuthorization();
app.UseJobTrackerSignInLimits();                                // rate limits on the sign-in form's POST (per client, per user name)
app.MapRazorPages();
app.MapJobTrackerHealth();                                      // anonymous, JSON: for load balancers and orchestrators
app.MapJobTrackerApi();                                         // /api/v1 and its OpenAPI document

app.Run();

public partial class Program;
