using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The import side of <see cref="JobRunner"/>, which claims, leases, heartbeats, stops, fails and
/// finishes import jobs exactly as it does exports. At start (under the lease) the import reads its
/// stored file once and records each batch's byte range (<see cref="FileSplitter"/>); an unreadable
/// file throws <see cref="UnreadableFileException"/>, which fails the job with the reason. Then it
/// applies the batches left in file order, each in one transaction (<see cref="BatchApplier"/>).
/// </summary>
public sealed class ImportWork(Database database, FileStore files, IOptions<EngineOptions> options, ILogger<ImportWork> logger)
{
    private readonly ImportLimits limits = ImportLimits.From(options.Value);

    /// <summary>
    /// Runs a claimed import job: splits its file if that is not done yet, then applies the batches
    /// left. False when it could not go on because the job was stopped or taken over.
    /// </summary>
    internal async Task<bool> RunAsync(DbConnection connection, JobRow job, CollectionRow collection, JobLease lease, CancellationToken cancellationToken)
    {
        if (job.BatchCount is null)
        {
            logger.LogInformation("Job {JobId} started: splitting {FileName}", job.Id, job.FileName);
            if (!await SplitAsync(connection, job, collection, lease, cancellationToken)) return false;
            job = await connection.QuerySingleAsync<JobRow>($"SELECT {JobRow.Columns} FROM jobs WHERE id = @Id", new { job.Id });
        }

        return await ApplyBatchesAsync(connection, job, collection, lease, cancellationToken);
    }

    private async Task<Stream> OpenSourceAsync(JobRow job, CancellationToken cancellationToken)
    {
        var opened = job.SourceFileId is { } fileId ? await files.OpenReadAsync(fileId, cancellationToken) : null;
        return opened?.Content ?? throw new FileNotFoundException("The uploaded file is missing from storage.");
    }

    /// <summary>Reads the whole file once, creating its batches. False when the job was stopped or taken over meanwhile.</summary>
    /// <exception cref="UnreadableFileException">The file cannot be imported; the message says why and where.</exception>
    private async Task<bool> SplitAsync(DbConnection connection, JobRow job, CollectionRow collection, JobLease lease, CancellationToken cancellationToken)
    {
        SplitResult split;
        ColumnMapping? mapping = null;
        await using (var source = await OpenSourceAsync(job, cancellationToken))
        {
            var format = Enum.Parse<FileFormat>(job.FileFormat!);
            // A CSV header is mapped to the collection's fields as soon as it is read: a file that cannot be
            // mapped (no key column, two columns for one field) fails before the rest of it is read.
            var chosen = Files.ColumnMapping.FromJson(job.ColumnMapping);
            void MapHeader(IReadOnlyList<string> header) =>
                mapping = Files.ColumnMapping.Resolve(header, collection.Schema, collection.KeyField, chosen).ThrowIfProblem();
            split = await Task.Run(() => FileSplitter.Split(source, format, job.BatchSize, null, limits, MapHeader, cancellationToken), cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ExecuteAsync("""
            UPDATE jobs SET total_rows = @TotalRows, batch_count = @BatchCount, csv_header = @Header, column_mapping = @Mapping, lease_until = @Until
             WHERE id = @Id AND lease_owner = @Owner AND finished_at IS NULL AND batch_count IS NULL
            """,
            new
            {
                split.TotalRows,
                BatchCount = split.Batches.Count,
                Header = split.CsvHeader is null ? null : JsonSerializer.Serialize(split.CsvHeader),
                Mapping = mapping is null ? job.ColumnMapping : Files.ColumnMapping.ToJson(mapping.Columns),
                Until = lease.Until(DateTime.UtcNow),
                job.Id,
                lease.Owner,
            }, transaction);
        if (claimed == 0) return false;
        await InsertBatchesAsync(connection, transaction, job.Id, split.Batches, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Job {JobId}: {TotalRows} rows in {BatchCount} batches", job.Id, split.TotalRows, split.Batches.Count);
        return true;
    }

    /// <summary>
    /// Inserts the split's batches, QUEUED, through one command whose parameters take each batch's values in turn.
    /// Dapper, given the list, adds new parameters for every row: a 10M-row file's 10,000 batches allocated about
    /// 35 MB that way (12 MB now), and a burst of garbage just before the batches start leaves the GC with larger budgets
    /// for the whole import. Measured with the tenmillion section's import child: 35 MB of garbage at that point raised
    /// the 1M import's peak from 161 MB to 166-170 MB; with this insert, 1M rows peaked at 159 MB and 10M at 166-168 MB,
    /// against 161-166 MB and 168-174 MB with Dapper's (three runs each).
    /// </summary>
    private static async Task InsertBatchesAsync(DbConnection connection, DbTransaction transaction, long jobId, IReadOnlyList<BatchSlice> batches, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO batches (job_id, batch_no, status, first_row, row_count, byte_offset, byte_length, first_line)
            VALUES (@JobId, @BatchNo, @Status, @FirstRow, @RowCount, @ByteOffset, @ByteLength, @FirstLine)
            """;
        DbParameter Parameter(string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
            return parameter;
        }
        Parameter("@JobId", jobId);
        Parameter("@Status", Status.Queued);
        var (batchNo, firstRow, rowCount, byteOffset, byteLength, firstLine) = (Parameter("@BatchNo", 0), Parameter("@FirstRow", 0L),
            Parameter("@RowCount", 0), Parameter("@ByteOffset", 0L), Parameter("@ByteLength", 0L), Parameter("@FirstLine", 0L));
        foreach (var batch in batches)
        {
            (batchNo.Value, firstRow.Value, rowCount.Value) = (batch.BatchNo, batch.FirstRow, batch.RowCount);
            (byteOffset.Value, byteLength.Value, firstLine.Value) = (batch.ByteOffset, batch.ByteLength, batch.FirstLine);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A full, blocking, non-compacting collection after a batch of records as big as half the byte limit (rows of
    /// megabytes, not a usual batch of small rows): its large buffers (the record JSON, the database parameters) are
    /// freed now rather than when the (server) GC's large-object budget runs out. Measured in the benchmark's widerows
    /// section: 20 rows of 10 MB peak at 189 MB with it and 218-237 MB without it (managed heap at most 29 MB against
    /// 49 MB). (One before the first batch, for what the split left, was no longer worth its pause once the split
    /// allocated less and the batches were read a page at a time: 10M rows peaked at 165-169 MB without it,
    /// 166-168 MB with it.)
    /// </summary>
    private static void CollectGarbageNow() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);

    /// <summary>
    /// Applies batches in file order. One thread reads and validates the next batch while this one
    /// writes the current one; at most two prepared batches wait, and the reader does not start another
    /// while the records waiting or being written exceed <see cref="ImportLimits.BatchMaxBytes"/> (with
    /// rows of 10 MB, one batch is written while the next is read), so memory stays flat. False when
    /// a batch could not commit because the job was stopped or taken over.
    /// </summary>
    private async Task<bool> ApplyBatchesAsync(
        DbConnection connection, JobRow job, CollectionRow collection, JobLease lease, CancellationToken cancellationToken)
    {
        var header = job.CsvHeader is null ? null : JsonSerializer.Deserialize<string[]>(job.CsvHeader);
        var format = Enum.Parse<FileFormat>(job.FileFormat!);
        // The mapping stored when the file was split (complete for its header), resolved once for the whole run.
        var targets = header is null ? null
            : Files.ColumnMapping.Resolve(header, collection.Schema, collection.KeyField, Files.ColumnMapping.FromJson(job.ColumnMapping)).Targets;
        var builder = new RecordBuilder(collection.KeyField, collection.Schema, header, limits, targets);
        var ready = Channel.CreateBounded<PreparedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long pendingBytes = 0;                     // records prepared and not yet written
        using var written = new SemaphoreSlim(0);  // released after each batch is written

        var reading = Task.Run(async () =>
        {
            try
            {
                await using var source = await OpenSourceAsync(job, stopReading.Token);
                await using var batchesConnection = await database.OpenAsync(stopReading.Token);
                await foreach (var batch in LeasedBatches.RemainingAsync(batchesConnection, database.Provider, job.Id, stopReading.Token))
                {
                    // A batch as big as the byte limit (rows of megabytes) waits until the one before is written.
                    while (Interlocked.Read(ref pendingBytes) is var pending && pending > 0 && pending + batch.ByteLength > limits.BatchMaxBytes)
                        await written.WaitAsync(stopReading.Token);
                    var slice = new BatchSlice(batch.BatchNo, batch.FirstRow, batch.RowCount, batch.ByteOffset, batch.ByteLength, batch.FirstLine);
                    var prepared = BatchApplier.Prepare(batch, SliceReader.Read(source, format, header, slice, limits, reuseRows: true), builder, job.DryRun, stopReading.Token);
                    Interlocked.Add(ref pendingBytes, prepared.Bytes);
                    await ready.Writer.WriteAsync(prepared, stopReading.Token);
                }
                ready.Writer.Complete();
            }
            catch (Exception ex)
            {
                ready.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        try
        {
            var dryRunKeys = job.DryRun ? await DryRunKeysAsync(connection, job.Id, cancellationToken) : null;
            await using var applier = new BatchApplier(connection, database.Provider, collection, job.Id, lease, dryRunKeys);
            await foreach (var prepared in ready.Reader.ReadAllAsync(cancellationToken))
            {
                using var batchScope = logger.BeginScope(new Dictionary<string, object> { ["BatchNo"] = prepared.Batch.BatchNo });
                if (!await applier.ApplyAsync(prepared, cancellationToken))
                {
                    logger.LogWarning("Job {JobId} batch {BatchNo} not committed: the job was stopped or taken over", job.Id, prepared.Batch.BatchNo);
                    return false;
                }
                Interlocked.Add(ref pendingBytes, -prepared.Bytes);
                written.Release();
                if (prepared.Bytes >= limits.BatchMaxBytes / 2) CollectGarbageNow();
            }
            return true;
        }
        finally
        {
            stopReading.Cancel();
            await reading;
        }
    }

    /// <summary>
    /// The keys a dry run's committed batches matched (a dry run taken over by another worker goes on
    /// where it was): a later row with one of them would update, as it would in the import.
    /// </summary>
    private static async Task<HashSet<string>> DryRunKeysAsync(DbConnection connection, long jobId, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var stored = await connection.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT entries FROM audit_entries WHERE job_id = @jobId", new { jobId }, cancellationToken: cancellationToken));
        foreach (var entries in stored)
        {
            using var compressed = new MemoryStream(entries, writable: false);
            foreach (var (_, key, outcome, _, _) in BatchAudit.Read(compressed))
                if (key is not null && outcome is AuditLog.WouldCreate or AuditLog.WouldUpdate) keys.Add(key);
        }
        return keys;
    }
}
