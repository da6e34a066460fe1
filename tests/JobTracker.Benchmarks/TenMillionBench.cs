using System.Diagnostics;
using System.Globalization;
using JobTracker.Db;
using JobTracker.Db.Sqlite;

namespace JobTracker.Benchmarks;

/// <summary>
/// Does it stay linear and flat? The 8-column file of 1,000,000 rows and of --big-rows rows
/// (10,000,000, 1.3 GB) each imported and then exported (10,000 records a file) through the real
/// pipeline with the engine driven directly (as the import and export sections do, SQLite); each import
/// and each export runs in a child process of its own, so that its peak memory (VmHWM) is its own.
/// Each phase starts after a sync and runs three times. Prints the median seconds per million rows at both sizes
/// and the median peak memory of each, with every run's figures.
/// Goals: the big run at most 10.5 × the 1M time (per million ≤ 1.05 × 1M's), peak memory within 10 % of the 1M run's.
/// Not in the default run (minutes): <c>--only tenmillion</c>.
/// </summary>
internal static class TenMillionBench
{
    private const string ResultPrefix = "tenmillion-result:";

    public static async Task RunAsync(BenchOptions options)
    {
        var sizes = new[] { 1_000_000, options.BigRows };
        Console.WriteLine($"\n== Ten million: import then export of {string.Join(" and ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} rows × 8 columns, engine driven directly (SQLite), each import and export in a process of its own");
        var results = new List<(int Rows, double Import, long ImportMb, double Export, long ExportMb)>();
        foreach (var rows in sizes)
        {
            var csv = Path.Combine(options.Output, $"import-{rows}.csv");
            var size = ImportBench.GenerateCsv(csv, rows);
            Console.WriteLine($"{rows:N0} rows ({size / 1e6:N0} MB CSV), {HttpBench.Uptime()}");
            var databaseFile = DatabaseFile(options.Output);
            try
            {
                // The exports read the database the last import left.
                var (import, importMb) = await MedianAsync(options, "import", csv, rows);
                var (export, exportMb) = await MedianAsync(options, "export", databaseFile, rows);
                results.Add((rows, import, importMb, export, exportMb));
            }
            finally
            {
                RemoveDatabase(options.Output);
            }
        }
        var (one, big) = (results[0], results[1]);
        var factor = big.Rows / (double)one.Rows;
        Console.WriteLine($"tenmillion import: {big.Import / one.Import:0.00} × the 1M time (goal ≤ {factor * 1.05:0.#}), peak memory {big.ImportMb / (double)one.ImportMb:0.00} × (goal ≤ 1.10)");
        Console.WriteLine($"tenmillion export: {big.Export / one.Export:0.00} × the 1M time (goal ≤ {factor * 1.05:0.#}), peak memory {big.ExportMb / (double)one.ExportMb:0.00} × (goal ≤ 1.10)");
        Console.WriteLine($"uptime: {HttpBench.Uptime()}");
    }

    /// <summary>
    /// Runs one phase <see cref="Runs"/> times, each in a child process of its own, prints each run and returns the
    /// median seconds and the median peak memory: one run of the 10M import in about five peaked 15-22 % above the rest.
    /// </summary>
    private static async Task<(double Seconds, long PeakMb)> MedianAsync(BenchOptions options, string phase, string file, int rows)
    {
        var runs = new List<(double Seconds, long PeakMb)>();
        for (var i = 0; i < Runs; i++)
        {
            var (elapsed, peakMb, _) = await ChildAsync(options, phase, file);
            runs.Add((elapsed, peakMb));
        }
        var seconds = runs.Select(r => r.Seconds).Order().ElementAt(Runs / 2);
        var peak = runs.Select(r => r.PeakMb).Order().ElementAt(Runs / 2);
        Console.WriteLine($"  {phase} {seconds,8:N1} s  ({seconds / (rows / 1e6):N2} s per million)  peak memory {peak:N0} MB  (medians of {Runs} runs: " +
            $"{string.Join(", ", runs.Select(r => $"{r.Seconds:N1} s {r.PeakMb:N0} MB"))})  {HttpBench.Uptime()}");
        return (seconds, peak);
    }

    /// <summary>How many times each phase runs at each size.</summary>
    private const int Runs = 3;

    /// <summary>Runs one phase in a child process of its own; its seconds, its peak memory (VmHWM) and what it counted.</summary>
    private static async Task<(double Seconds, long PeakMb, long Rows)> ChildAsync(BenchOptions options, string phase, string file)
    {
        // Each phase starts with the disk quiet (Timing.SyncDiskAsync): an export syncs just before its clock starts
        // (ExportBench.ExportAsync); an import starts on a new database, the one before deleted and synced here, not by
        // the child, whose upload is stored and imported as the product does, its copy written out while the import runs.
        // (The first 10M export of each phase takes 5.2-6.2 s after the sync, against 3.6-4.6 s: cause not found.)
        if (phase == "import")
        {
            RemoveDatabase(options.Output);
            await Timing.SyncDiskAsync();
        }
        var start = new ProcessStartInfo("dotnet", [typeof(TenMillionBench).Assembly.Location, "--tenmillion-child", $"{phase}:{file}", "--output", options.Output]);
        var (_, output) = await Timing.RunProcessAsync(start);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the {phase} child printed no result:\n" + output);
        var f = line[ResultPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture));
    }

    private static string DatabaseFile(string output) => Path.Combine(output, "tenmillion.db");

    /// <summary>Where the children keep their files: the stored copy of the upload, the export's batch files.</summary>
    private static string Storage(string output) => Path.Combine(output, "files");

    /// <summary>Deletes tenmillion.db and the stored copy of the upload.</summary>
    private static void RemoveDatabase(string output)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(DatabaseFile(output) + suffix);
        if (Directory.Exists(Storage(output))) Directory.Delete(Storage(output), recursive: true);
    }

    /// <summary>
    /// The child: "import:FILE" imports the CSV into a new tenmillion.db (kept for the export child),
    /// "export:DB" exports its Bench collection; prints the seconds, this process's VmHWM and the rows.
    /// </summary>
    /// <remarks>
    /// The phase runs on a pool thread, as the product runs its jobs (on Quartz's threads), not on the process's main
    /// thread: glibc gives the main thread an arena of its own, and an export that ran there until its first await
    /// left 7 or 15 MB in it by chance, so that the 1M export peaked at 84 or 91 MB from one run to the next
    /// (10M: 93-96 MB). On a pool thread: 84-89 MB, 88-89 in six runs of seven; the 1M import is unchanged (160-166 MB).
    /// </remarks>
    public static Task RunChildAsync(string phaseAndFile, string output) => Task.Run(() => RunPhaseAsync(phaseAndFile, output));

    private static async Task RunPhaseAsync(string phaseAndFile, string output)
    {
        var (phase, file) = (phaseAndFile[..phaseAndFile.IndexOf(':', StringComparison.Ordinal)], phaseAndFile[(phaseAndFile.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        if (phase == "import")
        {
            var imported = await ImportBench.ImportAsync(file, DatabaseFile(output));
            if (imported.Status != "COMPLETED") throw new InvalidOperationException($"the import ended {imported.Status}");
            Console.WriteLine(FormattableString.Invariant($"{ResultPrefix} {imported.Elapsed.TotalSeconds:0.000} {ImportBench.PeakResidentMegabytes()} {imported.Succeeded}"));
            return;
        }
        var database = Database.Create(SqliteProvider.ProviderName, $"Data Source={file}", Environment.CurrentDirectory);
        long collectionId;
        long records;
        await using (var connection = await database.OpenAsync())
            (collectionId, records) = await Dapper.SqlMapper.QuerySingleAsync<(long, long)>(connection,
                "SELECT id, record_count FROM collections WHERE name = 'Bench' ORDER BY id DESC LIMIT 1");
        var exported = await ExportBench.ExportAsync(database, Storage(output), collectionId);
        if (exported.Status != "COMPLETED" || exported.Written != records)
            throw new InvalidOperationException($"the export ended {exported.Status} with {exported.Written:N0} of {records:N0} records");
        Console.WriteLine(FormattableString.Invariant($"{ResultPrefix} {exported.Elapsed.TotalSeconds:0.000} {exported.PeakMb} {exported.Written}"));
    }
}
