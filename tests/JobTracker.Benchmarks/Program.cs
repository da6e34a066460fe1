using System.Diagnostics;
using JobTracker.Benchmarks;

// Prints the figures behind JobTracker's speed targets. Release build; see README.md.
//   dotnet run -c Release --project tests/JobTracker.Benchmarks [-- --rows N] [--memory-gb G] [--scale-rows N]
//       [--postgres-port P] [--search-jobs N] [--big-rows N] [--polling-rounds N]
//       [--skip import,export,memory,widerows,http,polling,pages,search,postgres,scaleout] [--only SECTION,...]
// tenmillion runs only when named in --only (it takes minutes).
var options = BenchOptions.Parse(args);
if (options.MemoryChild is { } childFile)
{
    await ImportBench.ImportInThisProcessAsync(childFile, options.Output);
    return;
}
if (options.TenMillionChild is { } bigFile)
{
    await TenMillionBench.RunChildAsync(bigFile, options.Output);
    return;
}

Directory.CreateDirectory(options.Output);
Console.WriteLine($"JobTracker benchmarks · {Environment.ProcessorCount} cores · .NET {Environment.Version} · output in {options.Output}");
if (options.Runs("import")) await ImportBench.RunAsync(options);
if (options.Runs("export")) await ExportBench.RunAsync(options);
if (options.Runs("memory")) await ImportBench.RunMemoryAsync(options);
if (options.Runs("widerows")) await WideRowBench.RunAsync(options);
if (options.Runs("http")) await HttpBench.RunAsync(options);
if (options.Runs("polling")) await PollingBench.RunAsync(options);
if (options.Runs("tenmillion")) await TenMillionBench.RunAsync(options);
if (options.Runs("pages")) await PageBench.RunAsync(options);
if (options.Runs("search")) await SearchBench.RunAsync(options); // part of the pages section; --skip search leaves it out alone
if (options.Runs("postgres") || options.Runs("scaleout"))
{
    // One server for both sections: a throwaway cluster (stopped on the way out, failures included) or JOBTRACKER_BENCH_POSTGRES.
    await using var postgres = await BenchPostgres.StartAsync(options);
    if (options.Runs("postgres")) await PostgresBench.RunAsync(options, postgres);
    if (options.Runs("scaleout")) await ScaleOutBench.RunAsync(options, postgres);
}

namespace JobTracker.Benchmarks
{
    internal sealed record BenchOptions(int Rows, double MemoryGigabytes, HashSet<string> Skip, string Output, string? MemoryChild, int ScaleRows, int PostgresPort, int SearchJobs,
        HashSet<string> Only, string? TenMillionChild, int BigRows, int PollingRounds)
    {
        /// <summary>The sections a run knows; those in <see cref="OptIn"/> run only when --only names them.</summary>
        public static readonly string[] Sections = ["import", "export", "memory", "widerows", "http", "polling", "tenmillion", "pages", "search", "postgres", "scaleout"];

        private static readonly string[] OptIn = ["tenmillion"];

        /// <summary>Whether this run measures <paramref name="section"/>: named in --only, or (without --only) not skipped and not opt-in.</summary>
        public bool Runs(string section) =>
            Only.Count > 0 ? Only.Contains(section) : !Skip.Contains(section) && !OptIn.Contains(section);

        public static BenchOptions Parse(string[] args)
        {
            int rows = 1_000_000;
            double memoryGb = 1;
            var skip = new HashSet<string>();
            string output = Path.GetFullPath("bench-out");
            string? child = null;
            int scaleRows = 300_000;
            int postgresPort = 55450;
            int searchJobs = 1_000_000;
            var only = new HashSet<string>();
            string? tenMillionChild = null;
            int bigRows = 10_000_000;
            int pollingRounds = 3;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--rows": rows = int.Parse(args[++i]); break;
                    case "--memory-gb": memoryGb = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--skip": skip.UnionWith(args[++i].Split(',')); break;
                    case "--output": output = Path.GetFullPath(args[++i]); break;
                    case "--memory-child": child = args[++i]; break;
                    case "--scale-rows": scaleRows = int.Parse(args[++i]); break;
                    case "--postgres-port": postgresPort = int.Parse(args[++i]); break;
                    case "--search-jobs": searchJobs = int.Parse(args[++i]); break;
                    case "--only": only.UnionWith(args[++i].Split(',')); break;
                    case "--tenmillion-child": tenMillionChild = args[++i]; break;
                    case "--big-rows": bigRows = int.Parse(args[++i]); break;
                    case "--polling-rounds": pollingRounds = Math.Max(1, int.Parse(args[++i])); break;
                    default:
                        throw new ArgumentException($"unknown option {args[i]}; use --rows N, --memory-gb G, --scale-rows N, --postgres-port P, " +
                            $"--search-jobs N, --big-rows N, --polling-rounds N, --skip or --only {string.Join(',', Sections)}, --output DIR");
                }
            }
            var unknown = skip.Concat(only).Where(name => !Sections.Contains(name)).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"unknown section {string.Join(", ", unknown)}; the sections are {string.Join(',', Sections)}");
            return new BenchOptions(rows, memoryGb, skip, output, child, scaleRows, postgresPort, searchJobs, only, tenMillionChild, bigRows, pollingRounds);
        }
    }

    internal static class Repository
    {
        /// <summary>The folder holding JobTracker.sln, above this build's output.</summary>
        public static string Root { get; } = FindRoot();

        private static string FindRoot()
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "JobTracker.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("JobTracker.sln not found above " + AppContext.BaseDirectory);
        }
    }

    internal static class Timing
    {
        public static double Percentile(List<double> sorted, double p) =>
            sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

        /// <summary>
        /// Writes out what the runs before left in the page cache, written or freed, so that a timed run does not pay
        /// for it: after a 10M import about 1.3 GB of its database is still to be written (Dirty in /proc/meminfo),
        /// and the export that followed took 5.3 s while Linux wrote it out, against 3.6 s after a sync; and on a disk
        /// mounted with discard (as here) deleting a run's files costs I/O too.
        /// </summary>
        public static Task SyncDiskAsync() => RunProcessAsync("sync");

        public static async Task<TimeSpan> RunProcessAsync(string file, params string[] arguments) =>
            (await RunProcessAsync(new ProcessStartInfo(file, arguments))).Elapsed;

        /// <summary>Runs a process to its end; throws with its error output unless it exits 0.</summary>
        public static async Task<(TimeSpan Elapsed, string Output)> RunProcessAsync(ProcessStartInfo start)
        {
            start.RedirectStandardError = true;
            start.RedirectStandardOutput = true;
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            clock.Stop();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{start.FileName} exited {process.ExitCode}: {await stderr}");
            return (clock.Elapsed, stdout);
        }
    }
}
