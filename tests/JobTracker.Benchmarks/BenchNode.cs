using System.Diagnostics;
using System.Text;

namespace JobTracker.Benchmarks;

/// <summary>
/// One node of the scale-out benchmark: the real product (web/bin/Release/net10.0/JobTracker.Web.dll)
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

    /// <summary>Starts a node and waits until it listens (it has migrated and seeded by then).</summary>
    public static async Task<BenchNode> StartAsync(string nodeId, string workingDirectory, string connectionString, string storagePath, int workers)
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
        start.Environment["JobTracker__Database__Provider"] = "PostgreSql";
        start.Environment["ConnectionStrings__JobTracker"] = connectionString;
        start.Environment["JobTracker__StoragePath"] = storagePath;
        start.Environment["JobTracker__NodeId"] = nodeId;
        start.Environment["JobTracker__Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["JobTracker__PollInterval"] = "00:00:00.200";
        start.Environment["JobTracker__DemoData"] = "false";
        start.Environment["JobTracker__Admin__Password"] = "bench-node-password";

        var node = new BenchNode(Process.Start(start) ?? throw new InvalidOperationException("could not start the product"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(object? sender, DataReceivedEventArgs e)
        {
            lock (node.output) node.output.AppendLine(e.Data);
            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true) listening.TrySetResult();
        }
        node.process.OutputDataReceived += Collect;
        node.process.ErrorDataReceived += Collect;
        node.process.BeginOutputReadLine();
        node.process.BeginErrorReadLine();

        var exited = node.process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(120))) != listening.Task)
        {
            node.Dispose();
            throw new InvalidOperationException($"node {nodeId} did not start:\n{node.Output}");
        }
        return node;
    }

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public bool HasExited => process.HasExited;

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
