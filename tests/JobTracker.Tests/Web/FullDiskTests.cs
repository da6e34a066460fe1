using System.Net;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Web;

/// <summary>
/// Storage that runs out of room, over real HTTP with the real workers: a disk that fills up under an
/// upload or an export (<see cref="FillingDisk"/>, failing with the OS's own ENOSPC), and a disk with less
/// free space than JobTracker:StorageMinFreeBytes keeps (the real free space, a reserve larger than any disk).
/// </summary>
public sealed class FullDiskTests
{
    private const string DiskFull =
        "The server ran out of disk space while storing this file, so nothing was imported. Ask an administrator to free space, then import the file again.";

    private static byte[] Sample => File.ReadAllBytes(JobTrackerApp.SampleFilePath);

    private static JobTrackerApp AppOn(FillingDisk disk, StorageKind storage = StorageKind.Folder) =>
        new() { Storage = storage, TestServices = services => services.AddSingleton<StorageDisk>(disk) };

    [Fact]
    public async Task An_upload_that_fills_the_disk_is_refused_on_the_form_and_leaves_no_job_no_row_and_no_file()
    {
        var disk = new FillingDisk { Capacity = 1000 };
        await using var app = AppOn(disk);
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import");

        using (var response = await JobTrackerApp.PostUploadAsync(admin, collectionId, "customers.csv", Sample, token))
            AssertRefusal(response.StatusCode, await response.Content.ReadAsStringAsync(), DiskFull);

        Assert.Equal(1, disk.Failures);
        Assert.Null(app.LastJobId(collectionId));
        Assert.Equal(0, app.Count("stored_files"));
        Assert.Empty(app.StoredFilesOnDisk());
        // The form says nothing of where or why on the server; the log keeps the cause for the administrator.
        Assert.Contains("No space left on device", await LogTextAsync(app, "No space left on device"));

        // Once there is room again, the same file goes through: nothing of the refused upload is in the way.
        disk.Capacity = long.MaxValue;
        var jobId = await app.UploadAsync(admin, collectionId, "customers.csv", Sample);
        await app.WaitForStatusAsync(jobId, Status.Completed);
        Assert.Equal(50, app.Records(collectionId).Count);
        Assert.Single(app.StoredFilesOnDisk());
    }

    [Fact]
    public async Task An_upload_the_disk_has_no_room_for_is_refused_before_a_byte_is_stored_and_database_storage_cannot_tell()
    {
        var reserve = new Dictionary<string, string> { ["JobTracker:StorageMinFreeBytes"] = (long.MaxValue / 2).ToString() };
        await using var app = new JobTrackerApp { Settings = reserve };
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var token = await JobTrackerApp.RequestTokenAsync(admin, $"/Collections/{collectionId}/Import");
        var form = await admin.GetStringAsync($"/Collections/{collectionId}/Import");

        using var body = new MultipartFormDataContent { { new ByteArrayContent(Sample), "file", "customers.csv" } };
        var declared = body.Headers.ContentLength!.Value;
        using (var response = await JobTrackerApp.PostImportAsync(admin, collectionId, body, token))
        {
            AssertRefusal(response.StatusCode, await response.Content.ReadAsStringAsync(),
                $"Not enough free space on the server to store this file: 0 bytes free, the file is {FileStore.FormatBytes(declared)}. Ask an administrator to free space.");
        }
        Assert.Null(app.LastJobId(collectionId));
        Assert.Equal(0, app.Count("stored_files"));
        Assert.Empty(app.StoredFilesOnDisk());
        Assert.Contains("import-form", form);

        // An export does not start a batch file below the reserve either, and says so.
        var exportId = await ExportTests.SubmitExportAsync(app, admin, collectionId, "empty", "10");
        var export = await app.WaitForStatusAsync(exportId, Status.Failed);
        Assert.StartsWith("Not enough free space on the server to write the batch file empty-0.json: ", export.StatusReason);
        Assert.EndsWith($" free, and {FileStore.FormatBytes(long.MaxValue / 2)} is kept free. Batch files committed before it stay; " +
            "ask an administrator to free space, then start the export again.", export.StatusReason);
        Assert.Empty(app.StoredFilesOnDisk());

        // With the files in the database, the database's disk is not ours to see: the upload is taken.
        await using var inDatabase = new JobTrackerApp { Settings = reserve, Storage = StorageKind.Database };
        using var other = await inDatabase.SignInAsync();
        var jobId = await inDatabase.UploadAsync(other, inDatabase.CustomersCollectionId, "customers.csv", Sample);
        await inDatabase.WaitForStatusAsync(jobId, Status.Completed);
    }

    [Theory]
    [InlineData(StorageKind.Folder)]
    [InlineData(StorageKind.Database)]
    public async Task An_export_that_fills_the_disk_fails_with_a_clear_reason_and_leaves_no_partial_file(StorageKind storage)
    {
        var disk = new FillingDisk();
        await using var app = AppOn(disk, storage);
        var collectionId = app.CreateCollection();
        using var admin = await app.SignInAsync();
        var importId = await app.UploadAsync(admin, collectionId, "customers.csv", Sample);
        await app.WaitForStatusAsync(importId, Status.Completed);
        var filesBefore = app.StoredFilesOnDisk();
        var rowsBefore = app.Count("stored_files");

        disk.Capacity = 1000;
        var exportId = await ExportTests.SubmitExportAsync(app, admin, collectionId, "full", "20");
        var export = await app.WaitForStatusAsync(exportId, Status.Failed);

        Assert.Equal(
            "The server ran out of disk space while writing the batch file full-0.json. Batch files committed before it stay; " +
            "ask an administrator to free space, then start the export again. " +
            $"If it happens again, tell an admin: the server log has the details under job {exportId}.", export.StatusReason);
        Assert.True(disk.Failures >= 1);
        var details = await admin.GetStringAsync($"/Jobs/{exportId}");
        Assert.Equal(export.StatusReason, Html.Text(details, "job-status-reason"));
        Assert.DoesNotContain("/dev/full", details);
        Assert.DoesNotContain(app.Folder.Path, details);
        // No partial batch file, no temp file, no row: storage holds exactly what it held before.
        Assert.Equal(filesBefore, app.StoredFilesOnDisk());
        Assert.Equal(rowsBefore, app.Count("stored_files"));
        Assert.All(app.Batches(exportId), b => Assert.Null(b.FileId));

        // With room again, the export runs through.
        disk.Capacity = long.MaxValue;
        var again = await ExportTests.SubmitExportAsync(app, admin, collectionId, "again", "20");
        await app.WaitForStatusAsync(again, Status.Completed);
        Assert.Equal(3, app.Batches(again).Count(b => b.FileId is not null));
    }

    private static void AssertRefusal(HttpStatusCode status, string text, string message)
    {
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {text}");
        Assert.StartsWith("<form id=\"import-form\"", text.TrimStart());
        Assert.Null(Html.Attribute(Html.Tags(text, "import-error").Single(), "hidden"));
        Assert.Equal(message, Html.Text(text, "import-error"));
    }

    /// <summary>The app's log files (JSON lines), once one of them holds <paramref name="expected"/> (Serilog writes as it goes).</summary>
    private static async Task<string> LogTextAsync(JobTrackerApp app, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var logs = Path.Combine(app.Folder.Path, "logs");
            var text = string.Concat((Directory.Exists(logs) ? Directory.GetFiles(logs) : []).Select(path =>
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                return reader.ReadToEnd();
            }));
            if (text.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline) return text;
            await Task.Delay(100);
        }
    }
}
