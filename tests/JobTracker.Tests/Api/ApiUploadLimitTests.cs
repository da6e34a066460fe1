using System.Net;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Api;

/// <summary>An app with a 4 KiB upload limit: the API refuses a larger file with 413, announced or not, and stores nothing.</summary>
public sealed class ApiUploadLimitTests : IAsyncLifetime
{
    private readonly JobTrackerApp app = new() { MaxUploadBytes = 4096, RunWorkers = false };

    private string adminToken = "";

    public async Task InitializeAsync() => adminToken = await ApiFixture.CreateTokenAsync(app, JobTrackerApp.AdminUser);

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_file_over_the_upload_limit_is_a_413_problem_and_nothing_is_stored(bool announced)
    {
        var collectionId = app.CustomersCollectionId;
        using var admin = ApiFixture.Client(app, adminToken);
        var big = "customerId,name\n" + string.Concat(Enumerable.Range(0, 400).Select(i => $"B{i},{new string('x', 20)}\n"));
        var body = new MultipartFormDataContent { { new StringContent(big), "file", "big.csv" } };
        HttpContent content = announced ? body : new ChunkedContent(body);

        using var response = await admin.PostAsync($"/api/v1/collections/{collectionId}/imports", content);

        await ApiFixture.AssertProblemAsync(response, 413, "larger than the upload limit of 4 KiB");
        Assert.Equal(0, app.Count("jobs"));
        Assert.Equal(0, app.Count("stored_files"));
        Assert.Empty(app.StoredFilesOnDisk());

        using var small = await ApiFixture.PostImportAsync(admin, collectionId, "small.csv", "customerId,name\nS1,x\n");
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
        Assert.Equal(1, app.Count("jobs"));
        await app.StopJobAsync(app.LastJobId(collectionId)!.Value);
    }

    /// <summary>The same body without a Content-Length (chunked), so the limit is found while it streams.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent inner;

        public ChunkedContent(HttpContent inner)
        {
            this.inner = inner;
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
