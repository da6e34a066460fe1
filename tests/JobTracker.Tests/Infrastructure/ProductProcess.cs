using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using JobTracker.Jobs.Storage;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The real product (web/JobTracker.Web.dll) as a child process on a test's database file, so
/// that tests can kill it mid-job and start it again.
/// </summary>
public sealed class ProductProcess : IDisposable
{
    private readonly Process process;
    private readonly System.Text.StringBuilder output = new();

    private ProductProcess(Process process, Uri baseAddress, string nodeId, string storagePath)
    {
        this.process = process;
        BaseAddress = baseAddress;
        NodeId = nodeId;
        StoragePath = storagePath;
    }

    /// <summary>The child's own password for the first admin (JobTracker:Admin:Password).</summary>
    public const string AdminPassword = "child-process-password";

    /// <summary>
    /// Starts the product on <paramref name="folder"/>'s database as node <paramref name="nodeId"/>, listening on
    /// a free port of its own, with JobTracker:Storage <paramref name="storage"/> and its files under
    /// <paramref name="storagePath"/> (the folder's own by default: another node passes a folder of its own), and
    /// any more <paramref name="settings"/> (JobTracker:… keys).
    /// </summary>
    public static ProductProcess Start(TestFolder folder, string nodeId, TimeSpan? lease = null,
        StorageKind storage = StorageKind.Folder, string? storagePath = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        storagePath ??= folder.StoragePath;
        var start = new ProcessStartInfo("dotnet", [WebAssembly])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["JobTracker__Database__Provider"] = folder.Provider;
        start.Environment["ConnectionStrings__JobTracker"] = folder.ConnectionString;
        start.Environment["JobTracker__StoragePath"] = storagePath;
        start.Environment["JobTracker__Storage"] = storage.ToString();
        start.Environment["JobTracker__NodeId"] = nodeId;
        start.Environment["JobTracker__Lease"] = (lease ?? TimeSpan.FromSeconds(30)).ToString();
        start.Environment["JobTracker__PollInterval"] = "00:00:00.200";
        start.Environment["JobTracker__Admin__Password"] = AdminPassword;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var child = new ProductProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the product"), baseAddress, nodeId, storagePath);
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

    /// <summary>The child's process id (its memory is read from /proc/{id}/status).</summary>
    public int ProcessId => process.Id;

    /// <summary>Its JobTracker:NodeId.</summary>
    public string NodeId { get; }

    /// <summary>Its JobTracker:StoragePath.</summary>
    public string StoragePath { get; }

    /// <summary>Where the child listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Waits until the child answers HTTP (its sign-in page), failing if it exits first or takes longer than <paramref name="patience"/>.</summary>
    public async Task WaitUntilListeningAsync(TimeSpan patience)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException("The product exited:\n" + Output);
            try
            {
                using var response = await client.GetAsync("/Account/Login");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > patience) throw new TimeoutException("The product did not answer. Its output:\n" + Output);
            await Task.Delay(100);
        }
    }

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

    /// <summary>A port free right now (the OS picks it for a listener that is closed at once).</summary>
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
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
