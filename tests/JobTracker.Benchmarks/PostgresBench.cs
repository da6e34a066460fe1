using Dapper;
using JobTracker.Db;

namespace JobTracker.Benchmarks;

/// <summary>
/// Import and export on the PostgreSql provider, each next to psql's own \copy in the same run on
/// the same server (see <see cref="BenchPostgres"/> for which server and its durability). The import
/// is ImportBench's generated CSV through the real pipeline (stored upload → COMPLETED, every row
/// validated, upserted and audited) into a fresh schema, against \copy of the same file into an
/// unindexed table of 8 text columns; the export is those records (10,000 a file, queued →
/// COMPLETED) against \copy (SELECT key, data … ORDER BY key) TO a file. Target: ratios ≥ 0.5.
/// </summary>
/// <remarks>
/// Where the import's time goes (server log, 1M rows, 2 busy cores): the batch upserts take the
/// server about 4-5 times as long as the whole \copy (each row goes into the heap and two unique
/// indexes, with ON CONFLICT's check, and into the WAL), the 1,000 durable commits about another
/// \copy, and the batch's five bookkeeping statements (job, batch, next batch, collection count,
/// audit) a round trip each; reading and validation run on their own thread, in the shadow of the
/// writes. So the upsert alone holds the ratio near 0.2 whatever the client does.
/// </remarks>
internal static class PostgresBench
{
    private const string Schema = "jobtracker_bench";
    private const string CopySchema = "jobtracker_bench_copy";

    public static async Task RunAsync(BenchOptions options, BenchPostgres server)
    {
        var csv = Path.Combine(options.Output, $"import-{options.Rows}.csv");
        var size = ImportBench.GenerateCsv(csv, options.Rows);
        Console.WriteLine($"\n== PostgreSQL import: {options.Rows:N0} rows × 8 columns ({size / 1e6:N0} MB CSV)");
        Console.WriteLine($"on {await server.DescribeAsync()}");
        var storage = Path.Combine(options.Output, "pg-files");
        try
        {
            await server.DropSchemaAsync(CopySchema);
            await server.ExecuteAsync($"CREATE SCHEMA {CopySchema}; CREATE TABLE {CopySchema}.t " +
                "(id text, name text, email text, amount text, date text, status text, city text, notes text)");
            var copyTime = await server.PsqlAsync($@"\copy {CopySchema}.t FROM {BenchPostgres.Quote(csv)} WITH (FORMAT csv, HEADER true)");
            var copyRate = options.Rows / copyTime.TotalSeconds;
            Console.WriteLine($"psql \\copy from:     {copyTime.TotalSeconds,7:N2} s  {copyRate,12:N0} rows/s");
            await server.DropSchemaAsync(CopySchema);

            var database = await server.FreshDatabaseAsync(Schema);
            var import = await ImportBench.ImportAsync(csv, database, storage);
            var rate = options.Rows / import.Elapsed.TotalSeconds;
            Console.WriteLine($"JobTracker import:   {import.Elapsed.TotalSeconds,7:N2} s  {rate,12:N0} rows/s  ({import.Status}, {import.Succeeded:N0} rows succeeded, {await StoredAsync(database, import)})");
            Console.WriteLine($"postgres import ratio: {rate / copyRate:0.00}");

            await ExportAsync(server, database, import.CollectionId, storage, options.Output);
        }
        finally
        {
            await server.DropSchemaAsync(CopySchema);
            await server.DropSchemaAsync(Schema);
            if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
        }
    }

    /// <summary>What the import left: records in the collection, batches committed, audit blobs (one per batch).</summary>
    private static async Task<string> StoredAsync(Database database, ImportResult import)
    {
        await using var connection = await database.OpenAsync();
        var (records, batches, audited) = await connection.QuerySingleAsync<(long, long, long)>("""
            SELECT (SELECT COUNT(*) FROM records WHERE collection_id = @CollectionId),
                   (SELECT COUNT(*) FROM batches WHERE job_id = @JobId AND status = 'COMPLETED'),
                   (SELECT COUNT(*) FROM audit_entries WHERE job_id = @JobId)
            """, new { import.CollectionId, import.JobId });
        return $"{records:N0} records, {batches:N0} batches committed, {audited:N0} audited";
    }

    private static async Task ExportAsync(BenchPostgres server, Database database, long collectionId, string storage, string output)
    {
        await using (var connection = await database.OpenAsync())
        {
            var records = await connection.ExecuteScalarAsync<long>("SELECT record_count FROM collections WHERE id = @collectionId", new { collectionId });
            Console.WriteLine($"\n== PostgreSQL export: {records:N0} records, {Jobs.Exports.ExportSubmission.DefaultRecordsPerFile:N0} a file (records analyzed first)");
        }

        // Statistics as autovacuum leaves them within a minute or so of the import. Right after a big
        // import they still describe a small table, and the export's snapshot queries (keys in order,
        // LIMIT/OFFSET) get a bitmap scan and a sort of the whole collection per page: 3-5 times slower.
        await server.ExecuteAsync($"ANALYZE {Schema}.records");
        // Both read a warm cache: one untimed pass over the table first.
        await server.PsqlAsync($"SELECT COUNT(*), SUM(LENGTH(data)) FROM {Schema}.records");
        var copyFile = Path.Combine(output, "psql-export.txt");
        var copyTime = await server.PsqlAsync(
            $@"\copy (SELECT record_key, data FROM {Schema}.records WHERE collection_id = {collectionId} ORDER BY record_key) TO {BenchPostgres.Quote(copyFile)}");
        var copiedLines = File.ReadLines(copyFile).LongCount();
        File.Delete(copyFile);
        var copyRate = copiedLines / copyTime.TotalSeconds;
        Console.WriteLine($"psql \\copy to:       {copyTime.TotalSeconds,7:N2} s  {copyRate,12:N0} records/s");

        var (elapsed, status, written, files, bytes, peakMb) = await ExportBench.ExportAsync(database, storage, collectionId);
        var rate = written / elapsed.TotalSeconds;
        Console.WriteLine($"JobTracker export:   {elapsed.TotalSeconds,7:N2} s  {rate,12:N0} records/s  ({status}, {written:N0} records in {files} files, {bytes / 1e6:N0} MB, peak memory {peakMb:N0} MB)");
        Console.WriteLine($"postgres export ratio: {rate / copyRate:0.00}");
    }
}
