using System.Diagnostics;
using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Api;

/// <summary>
/// README's API script (the bash block after "api-script"), run for real with bash and curl against the
/// test server: it imports a file, waits for its job and downloads the audit log.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class ReadmeScriptTests(ApiFixture fixture) : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static string ReadmeScript()
    {
        var readme = File.ReadAllText(Path.Combine(JobTrackerApp.WebRoot, "..", "README.md"));
        var match = ScriptBlock().Match(readme);
        Assert.True(match.Success, "README.md has no bash block after <!-- api-script ... -->");
        return match.Groups[1].Value;
    }

    [Fact]
    public async Task The_readme_script_imports_a_file_waits_for_its_job_and_downloads_the_audit_log()
    {
        Assert.True(File.Exists("/usr/bin/curl") || File.Exists("/usr/local/bin/curl"), "the README's script needs curl");
        var script = folder.File("import.sh");
        await File.WriteAllTextAsync(script, ReadmeScript());
        var csv = folder.File("customers from script.csv");
        await File.WriteAllTextAsync(csv, "customerId,name\nS1,Ada\nS2,Grace\nS3,Alan\n");
        var collectionId = fixture.App.CreateCollection();

        var start = new ProcessStartInfo("bash", [script, collectionId.ToString(System.Globalization.CultureInfo.InvariantCulture), csv])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["JOBTRACKER_URL"] = fixture.App.BaseAddress.ToString();
        start.Environment["JOBTRACKER_TOKEN"] = fixture.Tokens[Roles.Admin];
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(JobTrackerApp.Patience);
        await process.WaitForExitAsync(timeout.Token);

        var jobId = fixture.App.LastJobId(collectionId)!.Value;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output} {await errors}");
        Assert.Equal($"job {jobId}: COMPLETED; audit log in audit-{jobId}.csv", (await output).Trim());
        var audit = Csv.Parse((await File.ReadAllTextAsync(folder.File($"audit-{jobId}.csv"))).TrimStart('\uFEFF'));
        Assert.Equal(["S1", "S2", "S3"], audit.Skip(1).Select(row => row[2]));
        Assert.Equal(Status.Completed, fixture.App.Job(jobId).Status);
    }

    [GeneratedRegex("<!-- api-script[^>]*-->\\s*```bash\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();
}
