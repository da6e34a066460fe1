using System.Diagnostics;
using System.Globalization;
using JobTracker.Db;
using JobTracker.Db.Sqlite;

namespace JobTracker.Benchmarks;

/// <summary>
/// Does it stay linear and flat? The 8-column file of 1,000,000 rows and of --big-rows rows
/// (10,000,000, 1.3 GB) each imported and then exported (10,000 records a file) through the real
/// pipeline with the engine driven directly (as the import and export sections do, SQLite), each size in
/// a child process of its own so that its peak memory (VmHWM, reset between import and export) is its own.
/// Prints seconds per million rows at both sizes and the peak memory of each. Goals: the big run at most
/// 10.5 × the 1M time (per million ≤ 1.05 × 1M's), peak memory within 10 % of the 1M run's.
/// Not in the default run (minutes): <c>--only tenmillion</c>.
/// </summary>
internal static class TenMillionBench
{
    private const string ResultPrefix = "tenmillion-result:";

    public static async Task RunAsync(BenchOptions options)
    {
        var sizes = new[] { 1_000_000, options.BigRows };
        Console.WriteLine($"\n== Ten million: import then export of {string.Join(" and ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} rows × 8 columns, engine driven directly (SQLite), each size in a process of its own");
        var results = new List<(int Rows, double Import, long ImportMb, double Export, long ExportMb)>();
        foreach (var rows in sizes)
        {
            var csv = Path.Combine(options.Output, $"import-{rows}.csv");
            var size = ImportBench.GenerateCsv(csv, rows);
            Console.WriteLine($"{rows:N0} rows ({size / 1e6:N0} MB CSV), {HttpBench.Uptime()}");
            var start = new ProcessStartInfo("dotnet", [typeof(TenMillionBench).Assembly.Location, "--tenmillion-child", csv, "--output", options.Output]);
            var (_, output) = await Timing.RunProcessAsync(start);
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))
                ?? throw new InvalidOperationException("the child printed no result:\n" + output);
            var f = line[ResultPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var result = (rows, double.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
                double.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture));
            results.Add(result);
            var millions = rows / 1e6;
            Console.WriteLine($"  import {result.Item2,8:N1} s  ({result.Item2 / millions:N2} s per million)  peak memory {result.Item3:N0} MB");
            Console.WriteLine($"  export {result.Item4,8:N1} s  ({result.Item4 / millions:N2} s per million)  peak memory {result.Item5:N0} MB");
        }
        var (one, big) = (results[0], results[1]);
        var factor = big.Rows / (double)one.Rows;
        Console.WriteLine($"tenmillion import: {big.Import / one.Import:0.00} × the 1M time (goal ≤ {factor * 1.05:0.#}), peak memory {big.ImportMb / (double)one.ImportMb:0.00} × (goal ≤ 1.10)");
        Console.WriteLine($"tenmillion export: {big.Export / one.Export:0.00} × the 1M time (goal ≤ {factor * 1.05:0.#}), peak memory {big.ExportMb / (double)one.ExportMb:0.00} × (goal ≤ 1.10)");
        Console.WriteLine($"uptime: {HttpBench.Uptime()}");
    }

    /// <summary>The child: import <paramref name="csv"/> into a new database, then export it; prints seconds and VmHWM of both.</summary>
    public static async Task RunChildAsync(string csv, string output)
    {
        var databaseFile = Path.Combine(output, "tenmillion.db");
        try
        {
            var imported = await ImportBench.ImportAsync(csv, databaseFile);
            if (imported.Status != "COMPLETED") throw new InvalidOperationException($"the import ended {imported.Status}");
            var importPeak = ImportBench.PeakResidentMegabytes();
            var database = Database.Create(SqliteProvider.ProviderName, $"Data Source={databaseFile}", Environment.CurrentDirectory);
            var exported = await ExportBench.ExportAsync(database, Path.Combine(output, "files"), imported.CollectionId);
            if (exported.Status != "COMPLETED" || exported.Written != imported.Succeeded)
                throw new InvalidOperationException($"the export ended {exported.Status} with {exported.Written:N0} of {imported.Succeeded:N0} records");
            Console.WriteLine(FormattableString.Invariant(
                $"{ResultPrefix} {imported.Elapsed.TotalSeconds:0.000} {importPeak} {exported.Elapsed.TotalSeconds:0.000} {exported.PeakMb}"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(databaseFile + suffix);
            if (Directory.Exists(Path.Combine(output, "files"))) Directory.Delete(Path.Combine(output, "files"), recursive: true); // the stored copy of the upload
        }
    }
}
