using System.Diagnostics;
using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Benchmarks;

/// <summary>
/// Export throughput through the real pipeline (queued export job → snapshot → batch files of 10,000
/// records written, fsynced, moved into place and committed → COMPLETED) next to sqlite3 -json dumping
/// the same records, in the same run, on the import benchmark's database (imported first if missing):
/// to /dev/null (the goal's ratio), and to a file that is then fsynced, as the export keeps its files.
/// The export runs twice: the first in this process pays for compiling the export's code (about 0.25 s of the
/// JIT's time at 1M records), the second does not, as on a node that has exported before; the goal's ratio
/// (≥ 2) is the second's, the first's is printed beside it. Also the peak memory of this process during the export.
/// </summary>
internal static class ExportBench
{
    private const int RecordsPerFile = ExportSubmission.DefaultRecordsPerFile;

    public static async Task RunAsync(BenchOptions options)
    {
        var databaseFile = Path.Combine(options.Output, "import.db");
        var collectionId = await BenchCollectionAsync(databaseFile, options.Rows);
        if (collectionId is null)
        {
            Console.WriteLine($"\n(export: no imported database with {options.Rows:N0} records in {databaseFile}: importing first, untimed)");
            var csv = Path.Combine(options.Output, $"import-{options.Rows}.csv");
            ImportBench.GenerateCsv(csv, options.Rows);
            await ImportBench.ImportAsync(csv, databaseFile);
            collectionId = await BenchCollectionAsync(databaseFile, options.Rows)
                ?? throw new InvalidOperationException("the import did not fill the benchmark collection");
        }
        var (id, records) = collectionId.Value;
        Console.WriteLine($"\n== Export: {records:N0} records, {RecordsPerFile:N0} a file");

        // Both read a warm page cache: one untimed pass over the table first.
        await Timing.RunProcessAsync("sqlite3", databaseFile, "SELECT COUNT(*), SUM(LENGTH(data)) FROM records");
        var query = $"SELECT record_key, data FROM records WHERE collection_id = {id} ORDER BY record_key";
        var sqliteTime = await Timing.RunProcessAsync("/bin/sh", "-c", $"exec sqlite3 -json '{databaseFile}' \"{query}\" > /dev/null");
        var sqliteRate = records / sqliteTime.TotalSeconds;
        Console.WriteLine($"sqlite3 -json:       {sqliteTime.TotalSeconds,7:N2} s  {sqliteRate,12:N0} records/s  (to /dev/null)");
        // The same dump kept as the export keeps its files: written to a file on the same disk and fsynced (coreutils' sync FILE).
        var sqliteFile = Path.Combine(options.Output, "sqlite3-export.json");
        var sqliteFileTime = await Timing.RunProcessAsync("/bin/sh", "-c", $"sqlite3 -json '{databaseFile}' \"{query}\" > '{sqliteFile}' && sync '{sqliteFile}'");
        File.Delete(sqliteFile);
        var sqliteFileRate = records / sqliteFileTime.TotalSeconds;
        Console.WriteLine($"sqlite3 -json > file:{sqliteFileTime.TotalSeconds,7:N2} s  {sqliteFileRate,12:N0} records/s  (to a file on the same disk, fsynced, as the export's files are)");

        var database = Database.Create(SqliteProvider.ProviderName, $"Data Source={databaseFile}", Environment.CurrentDirectory);
        // The product compiles each method when it is first called (no tiered compilation, see the .csproj): the first
        // export in a process pays for compiling the export's code, every later one does not.
        var storage = Path.Combine(options.Output, "files");
        var first = await ExportAsync(database, storage, id);
        var again = await ExportAsync(database, storage, id);
        var (firstRate, rate) = (first.Written / first.Elapsed.TotalSeconds, again.Written / again.Elapsed.TotalSeconds);
        Console.WriteLine($"JobTracker export:   {first.Elapsed.TotalSeconds,7:N2} s  {firstRate,12:N0} records/s  ({first.Status}, {first.Written:N0} records in {first.Files} files, {first.Bytes / 1e6:N0} MB; the first export in this process)");
        Console.WriteLine($"JobTracker export:   {again.Elapsed.TotalSeconds,7:N2} s  {rate,12:N0} records/s  ({again.Status}, {again.Written:N0} records in {again.Files} files, {again.Bytes / 1e6:N0} MB; the same export again, its code compiled)");
        Console.WriteLine($"export peak memory: {again.PeakMb:N0} MB (VmHWM of this process, reset before the export)");
        Console.WriteLine($"export ratio (first export in a process): {firstRate / sqliteRate:0.00}");
        Console.WriteLine($"export ratio: {rate / sqliteRate:0.00}");
        Console.WriteLine($"export ratio (against sqlite3 -json to a file, fsynced): {rate / sqliteFileRate:0.00}");
    }

    /// <summary>The import benchmark's collection and its record count, when it holds at least <paramref name="rows"/> records.</summary>
    private static async Task<(long Id, long Records)?> BenchCollectionAsync(string databaseFile, int rows)
    {
        if (!File.Exists(databaseFile)) return null;
        try
        {
            var database = Database.Create(SqliteProvider.ProviderName, $"Data Source={databaseFile}", Environment.CurrentDirectory);
            database.Migrate(); // an import.db from before exports existed gets the export columns
            await using var connection = await database.OpenAsync();
            var found = await connection.QuerySingleOrDefaultAsync<(long Id, long Records)?>(
                "SELECT id, record_count FROM collections WHERE name = 'Bench' ORDER BY id DESC LIMIT 1");
            return found is { } bench && bench.Records >= rows ? bench : null;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // A database left by an older build of the benchmark: import again.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            return null;
        }
    }

    /// <summary>Exports a collection of any provider's database through the real pipeline, timed from submission to the job's end; the files are deleted once counted.</summary>
    internal static async Task<Exported> ExportAsync(Database database, string storage, long collectionId)
    {
        await using var services = ImportBench.Engine(database, storage);

        await Timing.SyncDiskAsync(); // the import or the export before, and sqlite3's file, not in this export's fsyncs
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeakMemory();
        var clock = Stopwatch.StartNew();
        var jobId = await services.GetRequiredService<ExportSubmission>().SubmitAsync(collectionId, "bench", RecordsPerFile, "benchmark")
            ?? throw new InvalidOperationException("the export was not queued");
        await services.GetRequiredService<JobRunner>().RunUntilIdleAsync(CancellationToken.None);
        clock.Stop();
        var peak = ImportBench.PeakResidentMegabytes();

        await using var check = await database.OpenAsync();
        var job = await check.QuerySingleAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @jobId", new { jobId });
        var folder = services.GetRequiredService<FileStore>().ExportFolder(jobId);
        var written = Directory.GetFiles(folder);
        var bytes = written.Sum(f => new FileInfo(f).Length);
        Directory.Delete(folder, recursive: true); // the figures are taken; do not keep ~100s of MB per run
        return new Exported(clock.Elapsed, job.Status, job.SucceededRows, written.Length, bytes, peak);
    }

    /// <summary>An export's time (submission to the job's end), status, records and files written, and this process's peak memory.</summary>
    internal sealed record Exported(TimeSpan Elapsed, string Status, long Written, int Files, long Bytes, long PeakMb);

    /// <summary>Linux: writing 5 to /proc/self/clear_refs resets VmHWM to the current resident set.</summary>
    private static void ResetPeakMemory()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
