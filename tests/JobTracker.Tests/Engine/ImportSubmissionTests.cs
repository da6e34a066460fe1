using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>An upload as the import form hands it over: a stream and the user's file name, stored and queued in one call.</summary>
public sealed class ImportSubmissionTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    private static MemoryStream Content(string text) => new(Encoding.UTF8.GetBytes(text));

    private long Count(string table)
    {
        using var connection = engine.Database.Open();
        return connection.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}");
    }

    [Fact]
    public async Task Stores_the_upload_and_queues_its_import()
    {
        var collection = engine.CreateCollection();

        var jobId = await engine.Imports.SubmitAsync(collection, Content("customerId\nc1\n"), "customers.csv", "tester");

        var job = engine.AssertStatus(Status.Queued, jobId);
        Assert.Equal(("customers.csv", "tester"), (job.FileName, job.InitiatedBy));
        var opened = await engine.Files.OpenReadAsync(job.SourceFileId!.Value);
        Assert.NotNull(opened);
        await using (opened.Value.Content)
            Assert.Equal(14, opened.Value.File.SizeBytes);
    }

    [Theory]
    [InlineData("", "customerId\nc1\n", "Choose a file to import.")]
    [InlineData("customers.txt", "customerId\nc1\n", "Only .csv, .json and .jsonl files can be imported.")]
    [InlineData("customers.csv", "", "The file is empty. Choose a CSV, JSON or JSON Lines file with at least one row.")]
    public async Task Refuses_what_cannot_be_imported_and_leaves_nothing_behind(string fileName, string content, string message)
    {
        var collection = engine.CreateCollection();

        var refused = await Assert.ThrowsAsync<UploadRejectedException>(() => engine.Imports.SubmitAsync(collection, Content(content), fileName, "tester"));

        Assert.Equal(message, refused.Message);
        Assert.Equal((0, 0), (Count("jobs"), Count("stored_files")));
        Assert.True(!Directory.Exists(engine.Folder.StoragePath) || Directory.GetFiles(engine.Folder.StoragePath).Length == 0);
    }
}
