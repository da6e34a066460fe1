using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Web;

/// <summary>
/// Two nodes on one database file with JobTracker:Storage = Database, each with its own folder: node A
/// serves pages and runs no workers; node B, with its own content root, runs the workers.
/// </summary>
public sealed class TwoNodes : IAsyncLifetime
{
    private readonly TestFolder contentRootB = new();

    public TwoNodes()
    {
        A = new JobTrackerApp { Storage = StorageKind.Database, RunWorkers = false, NodeId = "node-a" };
        File.Copy(Path.Combine(JobTrackerApp.WebRoot, "appsettings.json"), contentRootB.File("appsettings.json"));
        B = new JobTrackerApp { Storage = StorageKind.Database, SameDatabaseAs = A, NodeId = "node-b", ContentRoot = contentRootB.Path };
    }

    public JobTrackerApp A { get; }

    public JobTrackerApp B { get; }

    public string ContentRootB => contentRootB.Path;

    public Task InitializeAsync()
    {
        // A first: it creates the database, the admin and the demo data; then B joins.
        _ = A.BaseAddress;
        _ = B.BaseAddress;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        contentRootB.Dispose();
    }
}

/// <summary>Files and sign-in keys in the database: any node imports any upload, serves any download and accepts any node's cookie.</summary>
public sealed class SharedStorageTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    private JobTrackerApp A => nodes.A;
    private JobTrackerApp B => nodes.B;

    [Fact]
    public async Task An_upload_to_one_node_is_imported_by_another_and_its_export_downloads_from_the_database()
    {
        var collectionId = A.CreateCollection("Shared Customers");
        var sample = await File.ReadAllBytesAsync(JobTrackerApp.SampleFilePath);
        using var admin = await A.SignInAsync();

        var importId = await A.UploadAsync(admin, collectionId, "customers.csv", sample);
        await A.WaitForStatusAsync(importId, Status.Completed);
        Assert.Equal(50, A.Records(collectionId).Count);
        var exportId = await ExportTests.SubmitExportAsync(A, admin, collectionId, "shared", "20");
        await A.WaitForStatusAsync(exportId, Status.Completed);

        // Node A never ran a worker and has no file on disk, yet serves the original file, a batch file and the archive.
        using var original = await admin.GetAsync($"/Jobs/{importId}/File");
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(sample, await original.Content.ReadAsByteArrayAsync());
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/Jobs/{importId}/File");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, 29);
        using var part = await admin.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(sample[10..30], await part.Content.ReadAsByteArrayAsync());

        using var batch = await admin.GetAsync($"/Jobs/{exportId}/Batches/2/Download");
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(10, JsonNode.Parse(await batch.Content.ReadAsStringAsync())!.AsArray().Count);

        using var archive = await admin.GetAsync($"/Jobs/{exportId}/Download");
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await archive.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(["shared-0.json", "shared-1.json", "shared-2.json"], zip.Entries.Select(e => e.FullName));
        var keys = new List<string>();
        foreach (var entry in zip.Entries)
        {
            await using var content = entry.Open();
            keys.AddRange((await JsonNode.ParseAsync(content))!.AsArray().Select(r => r!["customerId"]!.GetValue<string>()));
        }
        Assert.Equal(A.Records(collectionId).Keys.Order(StringComparer.Ordinal), keys);

        Assert.Empty(A.StoredFilesOnDisk());
        Assert.Empty(B.StoredFilesOnDisk());
    }

    [Fact]
    public async Task A_sign_in_cookie_and_antiforgery_token_from_one_node_are_accepted_by_another_with_its_own_content_root()
    {
        using var signedInOnA = await A.SignInAsync();
        var tokenFromA = await JobTrackerApp.RequestTokenAsync(signedInOnA);
        var blocked = A.InsertBlockingJob(A.CreateCollection());

        using var onB = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = B.BaseAddress };
        onB.DefaultRequestHeaders.Add("Cookie", JobTrackerApp.CookieHeader(signedInOnA));
        using var home = await onB.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal(JobTrackerApp.AdminUser, Html.Text(await home.Content.ReadAsStringAsync(), "signed-in-user"));

        using var stop = await JobTrackerApp.PostStopAsync(onB, blocked, tokenFromA);
        Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        Assert.Equal($"/Jobs/{blocked}", stop.Headers.Location!.OriginalString);
        Assert.Equal(Status.Canceled, A.Job(blocked).Status);

        // The keys are in the database, not under either node's content root (which differ).
        var contentRoots = new[] { A, B }.Select(app => Path.TrimEndingDirectorySeparator(app.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath)).ToList();
        Assert.Equal([Path.TrimEndingDirectorySeparator(JobTrackerApp.WebRoot), nodes.ContentRootB], contentRoots);
        Assert.True(A.Count("data_protection_keys") >= 1);
        Assert.False(Directory.Exists(Path.Combine(nodes.ContentRootB, "data", "keys")));
    }
}
