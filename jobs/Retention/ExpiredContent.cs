using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;

namespace JobTracker.Jobs.Retention;

/// <summary>
/// Deletes what <see cref="RetentionCleanup"/> noted as expired, a few rows per transaction: a job's stored files
/// (the row, its database chunks or its file in the storage folder), its audit entries, and an expired job with its
/// batches. Each step can be cut off and done again: what a job still refers to is deleted the next time.
/// </summary>
public sealed class ExpiredContent(Database database, FileStore files, ActivityTrail activity, ILogger<ExpiredContent> logger)
{
    private sealed record FileRef
    {
        public long JobId { get; init; }
        public int? BatchNo { get; init; }
        public long FileId { get; init; }
    }

    /// <summary>
    /// The files of every job whose files expired: an import's uploaded file (once no other job refers to it: a dry
    /// run and its import for real share one) and an export's batch files. Returns how many stored files went.
    /// </summary>
    public async Task<int> DeleteExpiredFilesAsync(int perTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var uploads = (await connection.QueryAsync<FileRef>(new CommandDefinition("""
            SELECT id AS JobId, source_file_id AS FileId FROM jobs
             WHERE files_expired_at IS NOT NULL AND source_file_id IS NOT NULL
            """, cancellationToken: cancellationToken))).AsList();
        var deleted = 0;
        foreach (var upload in uploads)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE jobs SET source_file_id = NULL WHERE id = @JobId AND files_expired_at IS NOT NULL", upload, cancellationToken: cancellationToken));
            if (await DeleteFileAsync(connection, upload.FileId, perTransaction, cancellationToken)) deleted++;
        }

        var exportJobs = (await connection.QueryAsync<long>(new CommandDefinition("""
            SELECT j.id FROM jobs j
             WHERE j.files_expired_at IS NOT NULL AND j.job_type = @Export
               AND EXISTS (SELECT 1 FROM batches b WHERE b.job_id = j.id AND b.file_id IS NOT NULL)
            """, new { Export = JobTypes.Export }, cancellationToken: cancellationToken))).AsList();
        foreach (var jobId in exportJobs)
        {
            var batchFiles = (await connection.QueryAsync<FileRef>(new CommandDefinition("""
                SELECT job_id AS JobId, batch_no AS BatchNo, file_id AS FileId FROM batches
                 WHERE job_id = @jobId AND file_id IS NOT NULL ORDER BY batch_no
                """, new { jobId }, cancellationToken: cancellationToken))).AsList();
            foreach (var batchFile in batchFiles)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE batches SET file_id = NULL WHERE job_id = @JobId AND batch_no = @BatchNo", batchFile, cancellationToken: cancellationToken));
                if (await DeleteFileAsync(connection, batchFile.FileId, perTransaction, cancellationToken)) deleted++;
            }
            TryDeleteFolder(files.ExportFolder(jobId));
            logger.LogInformation("Retention: deleted the {Count} files of export job {JobId}", batchFiles.Count, jobId);
        }
        return deleted;
    }

    /// <summary>The audit entries of every job whose audit log expired, a few batches per transaction. Returns how many jobs had some.</summary>
    public async Task<int> DeleteExpiredAuditAsync(int perTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobIds = (await connection.QueryAsync<long>(new CommandDefinition("""
            SELECT j.id FROM jobs j
             WHERE j.audit_expired_at IS NOT NULL
               AND EXISTS (SELECT 1 FROM audit_entries a WHERE a.job_id = j.id)
            """, cancellationToken: cancellationToken))).AsList();
        foreach (var jobId in jobIds)
        {
            await DeleteInStepsAsync(connection, "audit_entries", "batch_no", "job_id = @jobId", new { jobId }, perTransaction, cancellationToken);
            logger.LogInformation("Retention: deleted the audit log of job {JobId}", jobId);
        }
        return jobIds.Count;
    }

    /// <summary>
    /// Deletes an expired finished job: its files and audit log (noted as expired before), its batches a few per
    /// transaction, then the job itself (a finished retry of it forgets which job it retried). False when the job is
    /// unfinished, gone, or still needed by an unfinished job: then the job row stays.
    /// </summary>
    public async Task<bool> DeleteJobAsync(long jobId, int perTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var expired = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            SELECT COUNT(*) FROM jobs j
             WHERE j.id = @jobId AND j.finished_at IS NOT NULL AND j.files_expired_at IS NOT NULL
               AND j.source_file_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.job_id = j.id AND b.file_id IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.job_id = j.id)
            """, new { jobId }, cancellationToken: cancellationToken));
        if (expired == 0) return false; // (its files or audit log were kept for an unfinished job: it goes another night)

        await DeleteInStepsAsync(connection, "batches", "batch_no", "job_id = @jobId", new { jobId }, perTransaction, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE jobs SET retry_of_job_id = NULL
             WHERE retry_of_job_id = @jobId AND finished_at IS NOT NULL
            """, new { jobId }, transaction, cancellationToken: cancellationToken));
        // Written first (its label comes from the job row); rolled back with the deletion when the job must stay.
        await activity.RecordOnJobAsync(connection, transaction, ActivityActor.Retention, ActivityActions.JobExpired, jobId, null, cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM jobs
             WHERE id = @jobId AND finished_at IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.retry_of_job_id = @jobId)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.job_id = @jobId)
            """, new { jobId }, transaction, cancellationToken: cancellationToken));
        if (deleted == 0) return false; // an unfinished retry came meanwhile: rolled back
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Retention: deleted finished job {JobId}", jobId);
        return true;
    }

    /// <summary>
    /// The activity entries from before <paramref name="before"/> (none when null: kept forever), at most
    /// <paramref name="perTransaction"/> ids at a time. Returns how many went.
    /// </summary>
    public async Task<int> DeleteActivityBeforeAsync(DateTime? before, int perTransaction, CancellationToken cancellationToken)
    {
        if (before is null) return 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        return await DeleteInStepsAsync(connection, "activity", "id", "at_utc < @before", new { before }, perTransaction, cancellationToken);
    }

    /// <summary>
    /// Deletes a stored file that nothing refers to any more: its chunks a few per transaction, then its row and
    /// (for a folder file) the file. False when something still refers to it (or it is gone already).
    /// </summary>
    private async Task<bool> DeleteFileAsync(DbConnection connection, long fileId, int perTransaction, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string StorageName, string StorageKind)>(new CommandDefinition("""
            SELECT f.storage_name, f.storage_kind FROM stored_files f
             WHERE f.id = @fileId
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_file_id = f.id)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.file_id = f.id)
            """, new { fileId }, cancellationToken: cancellationToken));
        if (row.StorageName is null) return false;
        if (row.StorageKind == nameof(StorageKind.Database))
            await DeleteInStepsAsync(connection, "stored_file_chunks", "chunk_no", "file_id = @fileId", new { fileId }, perTransaction, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM stored_files WHERE id = @fileId
               AND NOT EXISTS (SELECT 1 FROM stored_file_chunks c WHERE c.file_id = @fileId)
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_file_id = @fileId)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.file_id = @fileId)
            """, new { fileId }, cancellationToken: cancellationToken));
        if (row.StorageKind == nameof(StorageKind.Folder))
        {
            var path = Path.Combine(files.Root, row.StorageName);
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The storage sweep removes a file that no row names.
                logger.LogWarning(ex, "Retention could not remove {StorageName} from the storage folder", row.StorageName);
            }
        }
        return true;
    }

    /// <summary>
    /// Deletes the rows of <paramref name="table"/> that match <paramref name="deleteWhere"/> (with
    /// <paramref name="parameters"/>), at most <paramref name="perTransaction"/> values of the number column
    /// <paramref name="key"/> (batch_no, chunk_no, id) at a time, from its lowest to its highest. Returns how many went.
    /// </summary>
    private static async Task<int> DeleteInStepsAsync(
        DbConnection connection, string table, string key, string deleteWhere, object parameters, int perTransaction, CancellationToken cancellationToken)
    {
        var range = await connection.QuerySingleAsync<(long? First, long? Last)>(new CommandDefinition(
            $"SELECT MIN({key}), MAX({key}) FROM {table} WHERE {deleteWhere}", parameters, cancellationToken: cancellationToken));
        if (range.First is not { } first || range.Last is not { } last) return 0;
        var deleted = 0;
        for (var from = first; from <= last; from += perTransaction)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = new DynamicParameters(parameters);
            step.Add("from", from);
            step.Add("to", from + perTransaction);
            deleted += await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {table} WHERE {deleteWhere} AND {key} >= @from AND {key} < @to", step, cancellationToken: cancellationToken));
        }
        return deleted;
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
