using System.Diagnostics;
using JobTracker.Benchmarks;

// Prints the figures behind JobTracker's speed targets. Release build; see README.md.
//   dotnet run -c Release --project tests/JobTracker.Benchmarks [-- --rows N] [--memory-gb G] [--skip export,memory,pages]
var options = BenchOptions.Parse(args);
if (options.MemoryChild is { } childFile)
{
    await ImportBench.ImportInThisProcessAsync(childFile, options.Output);
    return;
}

Directory.CreateDirectory(options.Output);
Console.WriteLine($"JobTracker benchmarks · {Environment.ProcessorCount} cores · .NET {Environment.Version} · output in {options.Output}");
if (!options.Skip.Contains("import")) await ImportBench.RunAsync(options);
if (!options.Skip.Contains("export")) await ExportBench.RunAsync(options);
if (!options.Skip.Contains("memory")) await ImportBench.RunMemoryAsync(options);
if (!options.Skip.Contains("pages")) await PageBench.RunAsync(options);

namespace JobTracker.Benchmarks
{
    internal sealed record BenchOptions(int Rows, double MemoryGigabytes, HashSet<string> Skip, string Output, string? MemoryChild)
    {
        public static BenchOptions Parse(string[] args)
        {
            int rows = 1_000_000;
            double memoryGb = 1;
            var skip = new HashSet<string>();
            string output = Path.GetFullPath("bench-out");
            string? child = null;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--rows": rows = int.Parse(args[++i]); break;
                    case "--memory-gb": memoryGb = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--skip": skip.UnionWith(args[++i].Split(',')); break;
                    case "--output": output = Path.GetFullPath(args[++i]); break;
                    case "--memory-child": child = args[++i]; break;
                    default: throw new ArgumentException($"unknown option {args[i]}; use --rows N, --memory-gb G, --skip import,export,memory,pages, --output DIR");
                }
            }
            return new BenchOptions(rows, memoryGb, skip, output, child);
        }
    }

    internal static class Timing
    {
        public static double Percentile(List<double> sorted, double p) =>
            sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

        public static async Task<TimeSpan> RunProcessAsync(string file, params string[] arguments)
        {
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
                ?? throw new InvalidOperationException($"could not start {file}");
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            clock.Stop();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{file} exited {process.ExitCode}: {await stderr}");
            return clock.Elapsed;
        }
    }
}
