using System.Diagnostics;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The real product (web/JobTracker.Web.dll) as a child process on a test's database file, so
/// that tests can kill it mid-job and start it again.
/// </summary>
public sealed class ProductProcess : IDisposable
{
    private readonly Process process;
    private readonly System.Text.StringBuilder output = new();

    private ProductProcess(Process process) => this.process = process;

    public static ProductProcess Start(TestFolder folder, string nodeId, TimeSpan? lease = null)
    {
        var start = new ProcessStartInfo("dotnet", [WebAssembly])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["JobTracker__Database__Provider"] = folder.Provider;
        start.Environment["ConnectionStrings__JobTracker"] = folder.ConnectionString;
        start.Environment["JobTracker__StoragePath"] = folder.StoragePath;
        start.Environment["JobTracker__NodeId"] = nodeId;
        start.Environment["JobTracker__Lease"] = (lease ?? TimeSpan.FromSeconds(30)).ToString();
        start.Environment["JobTracker__PollInterval"] = "00:00:00.200";
        start.Environment["JobTracker__Admin__Password"] = "child-process-password";
        var child = new ProductProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the product"));
        child.process.OutputDataReceived += (_, e) => { lock (child.output) child.output.AppendLine(e.Data); };
        child.process.ErrorDataReceived += (_, e) => { lock (child.output) child.output.AppendLine(e.Data); };
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        return child;
    }

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Kills the process at once, as a crash or power cut would: no shutdown code runs.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited) Kill();
        process.Dispose();
    }

    private static string WebAssembly
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "JobTracker.sln")))
                directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException("JobTracker.sln not found above " + AppContext.BaseDirectory);
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var path = Path.Combine(directory.FullName, "web", "bin", configuration, "net10.0", "JobTracker.Web.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build the web project first", path);
        }
    }
}
