using System.Diagnostics;
using System.Text;

namespace JobTracker.Benchmarks;

/// <summary>
/// The real product as a child process (one node of the scale-out benchmark, or the app the http and
/// polling sections talk to over HTTP): the real product (web/bin/Release/net10.0/JobTracker.Web.dll)
/// as a child process, configured through environment variables as an operator would, its workers
/// on, no demo data. Killed on dispose (its jobs are finished by then) or on a signal.
/// </summary>
internal sealed class BenchNode : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly IDisposable kill;

    private BenchNode(Process process)
    {
        this.process = process;
        kill = Cleanup.Register(() =>
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            catch (InvalidOperationException) { }
        });
    }

    /// <summary>Starts a PostgreSQL node of the scale-out benchmark and waits until it listens (it has migrated and seeded by then).</summary>
    public static Task<BenchNode> StartAsync(string nodeId, string workingDirectory, string connectionString, string storagePath, int workers) =>
        StartAsync(workingDirectory, new Dictionary<string, string>
        {
            ["JobTracker__Database__Provider"] = "PostgreSql",
            ["ConnectionStrings__JobTracker"] = connectionString,
            ["JobTracker__StoragePath"] = storagePath,
            ["JobTracker__NodeId"] = nodeId,
            ["JobTracker__Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["JobTracker__PollInterval"] = "00:00:00.200",
            ["JobTracker__DemoData"] = "false",
            ["JobTracker__Admin__Password"] = "bench-node-password",
        });

    /// <summary>
    /// Starts the product in <paramref name="workingDirectory"/> (its default embedded database and
    /// storage live under it, data/) with <paramref name="environment"/> on top of Production on a free
    /// port, and waits until it listens (it has migrated and seeded by then).
    /// </summary>
    public static async Task<BenchNode> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo("dotnet", [WebAssembly])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var node = new BenchNode(Process.Start(start) ?? throw new InvalidOperationException("could not start the product"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(object? sender, DataReceivedEventArgs e)
        {
            lock (node.output) node.output.AppendLine(e.Data);
            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true
                && System.Text.RegularExpressions.Regex.Match(e.Data, @"http://[0-9.]+:[0-9]+") is { Success: true } address)
            {
                node.BaseAddress = new Uri(address.Value + "/");
                listening.TrySetResult();
            }
        }
        node.process.OutputDataReceived += Collect;
        node.process.ErrorDataReceived += Collect;
        node.process.BeginOutputReadLine();
        node.process.BeginErrorReadLine();

        var exited = node.process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(120))) != listening.Task)
        {
            node.Dispose();
            throw new InvalidOperationException($"the product in {workingDirectory} did not start:\n{node.Output}");
        }
        return node;
    }

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Where it listens, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The product's peak resident set so far (VmHWM of its process), in MB.</summary>
    public long PeakResidentMegabytes => ImportBench.PeakResidentMegabytes(process.Id);

    /// <summary>CPU time the product's process has used so far (user and system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    public void Dispose()
    {
        kill.Dispose();
        process.Dispose();
    }

    private static string WebAssembly
    {
        get
        {
            var path = Path.Combine(Repository.Root, "web", "bin", "Release", "net10.0", "JobTracker.Web.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build the web project in Release first (dotnet build -c Release)", path);
        }
    }
}
