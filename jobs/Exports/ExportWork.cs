using System.Data.Common;
using System.Globalization;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Exports;

/// <summary>
/// The export side of <see cref="JobRunner"/>, which claims, leases, heartbeats, stops, fails and
/// finishes export jobs exactly as it does imports. At start (under the lease) the export fixes its
/// snapshot: the collection's keys in key order, cut into batches of batch_size records with their
/// first and last key. Then each batch writes {exportName}-{batchNo}.json - a JSON array of the
/// batch's records in key order, streamed to a temp file (<see cref="ExportBatchWriter"/>; up to
/// JobTracker:ExportWriters batches at once, each reading on its own connection, so that reading and
/// writing the next batches overlap each commit) - and commits, in batch order, in one transaction (its
/// stored_files row, status and counters, the job's counters), only while this worker holds the job's
/// lease and the batch is unfinished. With Folder storage the temp file is fsynced and moved into place
/// before that commit; with Database storage it is copied into chunks inside it, then deleted. A batch
/// file is therefore complete or absent, and offered for download (through batches.file_id) only once
/// its batch has committed.
/// </summary>
/// <remarks>
/// Jobs of one collection run one at a time, so no import changes the collection while its export
/// runs: each batch's key range holds exactly the records the snapshot counted, and a batch that finds
/// another number fails the job rather than write a record twice or skip one. Records are written as
/// stored (their JSON object, key field included). A collection without a key field has generated ids
/// as keys: each record gets its id as "_id", first - unless the record has an "_id" field of its
/// own, which is then kept as it is.
/// </remarks>
public sealed class ExportWork(Database database, FileStore files, IOptions<EngineOptions> options, ILogger<ExportWork> logger)
{
    /// <summary>The field that carries a record's generated id in an export of a collection without a key field.</summary>
    public const string GeneratedIdField = "_id";

    private const string TempSuffix = ".tmp";

    private readonly ExportBatchWriter writer = new(database, files, logger);

    /// <summary>How many batch files of one export are written at once (JobTracker:ExportWriters, at least 1).</summary>
    private int Writers => Math.Max(1, options.Value.ExportWriters);

    /// <summary>The name of an export's batch file: {exportName}-{batchNo}.json.</summary>
    public static string BatchFileName(string exportName, int batchNo) =>
        $"{exportName}-{batchNo.ToString(CultureInfo.InvariantCulture)}.json";

    /// <summary>
    /// Cuts a collection's keys, in key order, into batches of <paramref name="recordsPerFile"/>, asking
    /// only for each batch's bounds: <paramref name="keyAfter"/>(after, skip) is the key that comes
    /// <c>skip</c> keys after the first key greater than <c>after</c> (null: from the first key), or null
    /// when there is none; <paramref name="tailFrom"/>(first) is the number of keys from <c>first</c> on and
    /// the greatest key, for the last, partial batch. No keys make one empty batch, so an empty collection
    /// exports one file.
    /// </summary>
    public static IEnumerable<ExportBatchBounds> PlanBatches(
        int recordsPerFile, Func<string?, int, string?> keyAfter, Func<string, (int Count, string Last)> tailFrom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recordsPerFile, 1);
        var batchNo = 0;
        long position = 1;
        string? after = null;
        while (keyAfter(after, 0) is { } first)
        {
            var (count, last) = keyAfter(after, recordsPerFile - 1) is { } full ? (recordsPerFile, full) : tailFrom(first);
            yield return new ExportBatchBounds(batchNo++, position, count, first, last);
            position += count;
            after = last;
        }
        if (batchNo == 0) yield return new ExportBatchBounds(0, 1, 0, null, null);
    }

    /// <summary>
    /// Runs a claimed export job: takes its snapshot if that is not done yet, then writes and commits
    /// the batches left. False when a batch could not commit because the job was stopped or taken over.
    /// </summary>
    internal async Task<bool> RunAsync(DbConnection connection, JobRow job, CollectionRow collection, JobLease lease, CancellationToken cancellationToken)
    {
        var folder = files.ExportFolder(job.Id);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Job {JobId}: the export's folder could not be created", job.Id);
            throw ExportFailedException.NoFolder(ex);
        }
        // Temp files of an earlier holder of this job (killed, or whose lease expired) are never moved into place now.
        foreach (var temp in Directory.EnumerateFiles(folder, "*" + TempSuffix)) TryDelete(temp);

        var exportName = job.ExportName ?? job.FileName;
        var run = Guid.NewGuid().ToString("N");
        try
        {
            if (job.BatchCount is null)
            {
                logger.LogInformation("Job {JobId} started: taking the snapshot of collection {CollectionId}", job.Id, collection.Id);
                if (!await SnapshotAsync(connection, job, lease, cancellationToken))
                {
                    await RemoveUncommittedFilesAsync(job.Id);
                    return false;
                }
            }

            return await WriteAndCommitAsync(connection, job, collection, folder, exportName, run, lease, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped: once Stop Job has committed, nothing may offer the batch that was running.
            await RemoveUncommittedFilesAsync(job.Id);
            throw;
        }
        finally
        {
            // Database storage leaves nothing in the folder once the run is over (another file in it keeps it).
            if (files.Kind == StorageKind.Database) TryDeleteEmptyFolder(folder);
        }
    }

    /// <summary>
    /// Writes the files of the batches left (read a page at a time on <paramref name="connection"/>, between its
    /// commits), up to <see cref="Writers"/> at once (each on its own connection and
    /// thread), and commits them one by one in batch order on <paramref name="connection"/>: a batch's
    /// file is moved into place (Folder storage) and committed only after every batch before it has
    /// committed. Whatever ends the loop - the last commit, a refused commit, a failure, Stop - the
    /// writes still running are cancelled and awaited and their temp files deleted before it returns,
    /// so nothing of this run is written after. False when a batch could not commit.
    /// </summary>
    private async Task<bool> WriteAndCommitAsync(
        DbConnection connection, JobRow job, CollectionRow collection, string folder, string exportName, string run,
        JobLease lease, CancellationToken cancellationToken)
    {
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<(BatchRow Batch, string FileName, string TempPath, Task<long> Size)>();
        await using var batches = LeasedBatches.RemainingAsync(connection, database.Provider, job.Id, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var more = true;
        try
        {
            while (true)
            {
                while (more && pending.Count < Writers && (more = await batches.MoveNextAsync()))
                {
                    var batch = batches.Current;
                    var fileName = BatchFileName(exportName, batch.BatchNo);
                    var tempPath = Path.Combine(folder, $".{fileName}.{run}{TempSuffix}");
                    pending.Enqueue((batch, fileName, tempPath, Task.Run(() => WriteAsync(collection, batch, tempPath, fileName, writing.Token), writing.Token)));
                }
                if (!pending.TryDequeue(out var next)) return true;
                var (committing, name, temp, written) = next;
                using var batchScope = logger.BeginScope(new Dictionary<string, object> { ["BatchNo"] = committing.BatchNo });
                try
                {
                    var size = await written;
                    // Folder storage: the file moves into place, then its row commits. Database storage: the temp
                    // file is copied into chunks inside the commit itself.
                    if (files.Kind == StorageKind.Folder) MoveIntoPlace(temp, Path.Combine(folder, name), name);
                    if (!await CommitAsync(connection, job, committing, name, size, temp, lease, cancellationToken))
                    {
                        logger.LogWarning("Job {JobId} batch {BatchNo} not committed: the job was stopped or taken over", job.Id, committing.BatchNo);
                        await RemoveUncommittedFilesAsync(job.Id);
                        return false;
                    }
                }
                finally
                {
                    TryDelete(temp);
                }
            }
        }
        finally
        {
            await writing.CancelAsync();
            while (pending.TryDequeue(out var left))
            {
                try { await left.Size; }
                catch (Exception ex) when (ex is OperationCanceledException or ExportFailedException) { }
                catch (Exception ex) { logger.LogDebug(ex, "Job {JobId}: a batch write ended after the run", job.Id); }
                TryDelete(left.TempPath);
            }
        }
    }

    /// <summary>One batch file, written on a connection of its own (returned to the pool after).</summary>
    private async Task<long> WriteAsync(CollectionRow collection, BatchRow batch, string tempPath, string fileName, CancellationToken cancellationToken)
    {
        await using var reader = await database.OpenAsync(cancellationToken);
        return writer.Write(reader, collection, batch, tempPath, durable: files.Kind == StorageKind.Folder, fileName, cancellationToken);
    }

    /// <summary>Moves a written, fsynced batch file over its final path (replacing what an earlier, uncommitted run of this batch left).</summary>
    private void MoveIntoPlace(string tempPath, string finalPath, string fileName)
    {
        try
        {
            File.Move(tempPath, finalPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw writer.NotWritten(fileName, ex);
        }
    }

    /// <summary>
    /// Fixes the export's snapshot: finds each batch's first and last key in key order (outside any
    /// transaction, so other collections' writers are not held up; the database steps over the keys
    /// between with OFFSET, without handing them to us) and records the bounds, together with the job's total
    /// and batch count, in one transaction under the lease. False when the job was stopped or taken over
    /// meanwhile.
    /// </summary>
    private async Task<bool> SnapshotAsync(DbConnection connection, JobRow job, JobLease lease, CancellationToken cancellationToken)
    {
        var collectionId = job.CollectionId;
        var paging = database.Provider.Paging;
        var bounds = PlanBatches(
            job.BatchSize,
            (after, skip) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                database.Provider.ReleaseMemory(connection); // the index pages stepped over are not read again
                return after is null
                    ? connection.QuerySingleOrDefault<string?>(
                        $"SELECT record_key FROM records WHERE collection_id = @collectionId ORDER BY record_key {paging}",
                        new { collectionId, Skip = skip, Take = 1 })
                    : connection.QuerySingleOrDefault<string?>(
                        $"SELECT record_key FROM records WHERE collection_id = @collectionId AND record_key > @after ORDER BY record_key {paging}",
                        new { collectionId, after, Skip = skip, Take = 1 });
            },
            first => connection.QuerySingle<(int, string)>(
                "SELECT COUNT(*), MAX(record_key) FROM records WHERE collection_id = @collectionId AND record_key >= @first",
                new { collectionId, first })).ToList();

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DateTime.UtcNow;
        var total = bounds.Sum(b => (long)b.RowCount);
        var claimed = await connection.ExecuteAsync("""
            UPDATE jobs SET total_rows = @total, batch_count = @BatchCount, lease_until = @Until
             WHERE id = @Id AND lease_owner = @Owner AND finished_at IS NULL AND batch_count IS NULL
            """,
            new { total, BatchCount = bounds.Count, Until = lease.Until(now), job.Id, lease.Owner }, transaction);
        if (claimed == 0) return false;
        // The first batch shows IN PROGRESS at once; each commit moves the mark to the next one.
        await connection.ExecuteAsync("""
            INSERT INTO batches (job_id, batch_no, status, started_at, first_row, row_count, byte_offset, byte_length, first_line, first_key, last_key)
            VALUES (@JobId, @BatchNo, @Status, @StartedAt, @FirstRow, @RowCount, 0, 0, 0, @FirstKey, @LastKey)
            """,
            bounds.Select(b => new
            {
                JobId = job.Id,
                b.BatchNo,
                Status = b.BatchNo == 0 ? Status.InProgress : Status.Queued,
                StartedAt = b.BatchNo == 0 ? now : (DateTime?)null,
                b.FirstRow,
                b.RowCount,
                b.FirstKey,
                b.LastKey,
            }),
            transaction);
        await transaction.CommitAsync(CancellationToken.None);
        logger.LogInformation("Job {JobId}: snapshot of {TotalRows} records in {BatchCount} batches", job.Id, total, bounds.Count);
        return true;
    }

    /// <summary>
    /// One transaction: the file's stored_files row (and with Database storage its content, copied from
    /// <paramref name="tempPath"/> into chunks), the batch COMPLETED with its file and counters, the job's
    /// counters, and the next batch IN PROGRESS - only while this worker holds the job's lease and the batch
    /// is unfinished. False (everything rolled back, chunks included) otherwise.
    /// </summary>
    private async Task<bool> CommitAsync(
        DbConnection connection, JobRow job, BatchRow batch, string fileName, long size, string tempPath, JobLease lease, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DateTime.UtcNow;
        var fileId = await files.AddRowAsync(connection, fileName, FileStore.ExportStorageName(job.Id, fileName), size, now, transaction, files.Kind);
        if (files.Kind == StorageKind.Database)
        {
            try
            {
                await files.WriteContentAsync(connection, transaction, fileId, tempPath, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw writer.NotWritten(fileName, ex);
            }
        }
        var outcome = new BatchOutcome(batch.StartedAt ?? now, Status.Completed, null, batch.RowCount, 0, fileId);
        if (!await LeasedBatches.FinishAsync(connection, transaction, batch, outcome, lease, now)) return false;
        await LeasedBatches.CommitAsync(connection, transaction, batch, lease, now);
        return true;
    }

    /// <summary>
    /// Once an export has ended without finishing (stopped or failed), no batch of it can commit any
    /// more: deletes the files in its folder on this node that no committed batch owns (a batch file moved
    /// into place whose commit was refused, temp files). The database holds nothing to remove: a batch's
    /// chunks are written in its own commit, so a batch that did not commit left none. Does nothing for an
    /// unfinished job or an import.
    /// </summary>
    public async Task RemoveUncommittedFilesAsync(long jobId)
    {
        var folder = files.ExportFolder(jobId);
        if (!Directory.Exists(folder)) return;
        await using var connection = await database.OpenAsync();
        var finished = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM jobs WHERE id = @jobId AND job_type = @Export AND finished_at IS NOT NULL",
            new { jobId, Export = JobTypes.Export });
        if (finished == 0) return;
        var committed = (await connection.QueryAsync<string>("""
            SELECT f.storage_name FROM batches b JOIN stored_files f ON f.id = b.file_id
             WHERE b.job_id = @jobId AND b.status = @Completed
            """, new { jobId, Completed = Status.Completed })).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        string[] present;
        try
        {
            present = Directory.GetFiles(folder);
        }
        catch (DirectoryNotFoundException)
        {
            return; // the run removed its emptied folder meanwhile (Database storage)
        }
        foreach (var path in present)
        {
            if (committed.Contains(Path.GetFileName(path))) continue;
            TryDelete(path);
            logger.LogInformation("Job {JobId}: removed {FileName}, which no committed batch owns", jobId, Path.GetFileName(path));
        }
    }

    private static void TryDeleteEmptyFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: false); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
