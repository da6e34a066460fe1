using System.Net;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// What users see when a job fails on a storage error: words they can act on and the job id, never a server
/// path; the exception, path and all, is in the log file under the job's JobId property.
/// </summary>
public sealed class ErrorMessageTests : IAsyncLifetime
{
    private readonly JobTrackerApp app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task A_job_whose_stored_file_cannot_be_read_says_so_without_the_server_path_and_the_log_has_the_details()
    {
        using var admin = await app.SignInAsync();
        var collection = app.CreateCollection();
        var blocker = app.InsertBlockingJob(collection);
        var jobId = await app.UploadAsync(admin, collection, "customers.csv", "customerId,name\nC1,Ann\nC2,Bob\n");

        // While the job waits its turn, its stored file turns unreadable: a link that points at itself stands in its place.
        string storageName;
        using (var connection = app.Database.Open())
        {
            storageName = connection.ExecuteScalar<string>(
                "SELECT f.storage_name FROM stored_files f JOIN jobs j ON j.source_file_id = f.id WHERE j.id = @jobId", new { jobId })!;
        }
        var path = Path.Combine(app.Folder.StoragePath, storageName);
        File.Delete(path);
        File.CreateSymbolicLink(path, path);
        await app.StopJobAsync(blocker);

        var job = await app.WaitForStatusAsync(jobId, Status.Failed);
        var expected = "The job stopped: it could not read the uploaded file from the file storage. No row was applied: import the file again. " +
                       $"If it happens again, tell an admin: the server log has the details under job {jobId}.";
        Assert.Equal(expected, job.StatusReason);

        using var response = await admin.GetAsync($"/Jobs/{jobId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, page);
        Assert.DoesNotContain(app.Folder.Path, page);
        Assert.DoesNotContain(storageName, page);

        // The log file (compact JSON, one event a line) has the exception with the path, under the job's id.
        var logged = await LoggedLinesAsync(line => line.Contains($"\"JobId\":{jobId}") && line.Contains("\"@x\""));
        Assert.Contains(logged, line => line.Contains(path) && line.Contains("IOException"));
    }

    private async Task<List<string>> LoggedLinesAsync(Func<string, bool> match)
    {
        var folder = Path.Combine(app.Folder.Path, "logs");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var lines = new List<string>();
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder) : [])
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync() is { } line)
                    if (match(line)) lines.Add(line);
            }
            if (lines.Count > 0 || DateTime.UtcNow > deadline) return lines;
            await Task.Delay(100);
        }
    }
}
