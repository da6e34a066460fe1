using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace JobTracker.Tests.Api;

/// <summary>
/// A 100 MiB file through the API, into the real product (a child process, so that its memory is its own
/// to measure) and back out: the upload streams to storage and the download streams from it; the server's
/// resident memory grows by a few MiB, nothing like the file's size.
/// </summary>
public sealed class ApiLargeUploadTests(ITestOutputHelper output) : IDisposable
{
    private const long FileBytes = 100L << 20;

    /// <summary>Growth of the server's resident memory allowed while 100 MiB go through it.</summary>
    private const long MaxGrowthBytes = 40L << 20;

    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_100_MiB_file_streams_in_and_out_through_the_api_without_the_server_holding_it()
    {
        using var product = ProductProcess.Start(folder, "api-large-upload", settings: new Dictionary<string, string> { ["JobTracker:RunWorkers"] = "false" });
        await product.WaitUntilListeningAsync(TimeSpan.FromSeconds(120));
        var database = Database.Create(folder.Provider, folder.ConnectionString, folder.Path);
        long adminId, collectionId;
        await using (var connection = await database.OpenAsync())
        {
            adminId = await connection.ExecuteScalarAsync<long>("SELECT id FROM users WHERE user_name = 'admin'");
            collectionId = await connection.ExecuteScalarAsync<long>("SELECT id FROM collections WHERE name = 'Customers'");
        }
        var secret = (await new ApiTokens(database, new JobTracker.Jobs.Activity.ActivityTrail(database), NullLogger<ApiTokens>.Instance).CreateAsync(adminId, "large upload")).Secret;
        var path = folder.File("large.csv");
        var sha256 = await WriteCsvAsync(path, FileBytes);
        using var client = new HttpClient { BaseAddress = product.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        // Warm up: the API's code paths are loaded before the baseline is read.
        using (var warm = await ApiFixture.PostImportAsync(client, collectionId, "warm.csv", "customerId,name\nW1,x\n"))
            Assert.Equal(HttpStatusCode.Accepted, warm.StatusCode);

        long jobId = 0;
        var upload = await MeasureAsync(product.ProcessId, async () =>
        {
            await using var file = File.OpenRead(path);
            using var body = new MultipartFormDataContent { { new StreamContent(file, 1 << 16), "file", "large.csv" } };
            using var response = await client.PostAsync($"/api/v1/collections/{collectionId}/imports", body);
            jobId = (await ApiFixture.ReadAsync(response, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        });
        await using (var connection = await database.OpenAsync())
        {
            Assert.Equal(new FileInfo(path).Length, await connection.ExecuteScalarAsync<long>(
                "SELECT f.size_bytes FROM stored_files f JOIN jobs j ON j.source_file_id = f.id WHERE j.id = @jobId", new { jobId }));
        }

        string? downloaded = null;
        var download = await MeasureAsync(product.ProcessId, async () =>
        {
            using var response = await client.GetAsync($"/api/v1/jobs/{jobId}/file", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var content = await response.Content.ReadAsStreamAsync();
            downloaded = Convert.ToHexString(await SHA256.HashDataAsync(content));
        });
        Assert.Equal(sha256, downloaded);

        using (var stop = await client.PostAsync($"/api/v1/jobs/{jobId}/stop", null))
            Assert.Equal(Status.Canceled, (await ApiFixture.ReadAsync(stop, HttpStatusCode.OK)).GetProperty("status").GetString());

        output.WriteLine($"100 MiB upload: {upload.Elapsed.TotalSeconds:0.0} s, server resident memory +{upload.Growth / (1 << 20)} MiB (from {upload.Baseline / (1 << 20)} MiB)");
        output.WriteLine($"100 MiB download: {download.Elapsed.TotalSeconds:0.0} s, server resident memory +{download.Growth / (1 << 20)} MiB (from {download.Baseline / (1 << 20)} MiB)");
        Assert.True(upload.Growth < MaxGrowthBytes, $"the server grew by {upload.Growth >> 20} MiB during the upload");
        Assert.True(download.Growth < MaxGrowthBytes, $"the server grew by {download.Growth >> 20} MiB during the download");
    }

    private sealed record Measured(TimeSpan Elapsed, long Baseline, long Growth);

    /// <summary>Runs <paramref name="action"/> while sampling the process's resident memory (VmRSS) every 20 ms.</summary>
    private static async Task<Measured> MeasureAsync(int processId, Func<Task> action)
    {
        var baseline = ResidentBytes(processId);
        var peak = baseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(processId));
                await Task.Delay(20);
            }
        });
        var clock = Stopwatch.StartNew();
        await action();
        clock.Stop();
        await done.CancelAsync();
        await sampler;
        peak = Math.Max(peak, ResidentBytes(processId));
        return new Measured(clock.Elapsed, baseline, peak - baseline);
    }

    private static long ResidentBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Writes a CSV of customers of at least <paramref name="bytes"/> bytes; returns its SHA-256 (hex).</summary>
    private static async Task<string> WriteCsvAsync(string path, long bytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = File.Create(path))
        {
            var line = 0;
            var chunk = new StringBuilder("customerId,name,email\n");
            while (file.Length < bytes)
            {
                for (var i = 0; i < 10_000; i++, line++)
                    chunk.Append("C").Append(line).Append(",Customer number ").Append(line).Append(",customer").Append(line).Append("@example.com\n");
                var data = Encoding.UTF8.GetBytes(chunk.ToString());
                hash.AppendData(data);
                await file.WriteAsync(data);
                chunk.Clear();
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
