using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// Removes what a crash can leave behind in storage: stored_files rows that no job and no batch refers to
/// (with their chunks or their file), and files in the storage folder that no row names (uploads cut off
/// mid-write, temp and batch files of exports that never committed). Runs at start-up, after the
/// migrations, and (the folder listing included) after each nightly retention cleanup; every
/// JobTracker:OrphanFileAge in between only the rows are swept (<see cref="RunRowsAsync"/>), which is an indexed
/// query rather than a listing of the whole storage folder. Only what has been left alone for JobTracker:OrphanFileAge is touched, so an upload or
/// export another node is writing right now into the shared folder or database is never removed; and
/// only names this program makes are touched (generated upload names, exports/{jobId}/), whatever else
/// sits in the folder.
/// </summary>
public sealed partial class StorageSweep(Database database, FileStore files, IOptions<EngineOptions> options, ILogger<StorageSweep> logger)
{
    /// <summary>Sweeps rows, then files, older than JobTracker:OrphanFileAge before <paramref name="now"/> (UTC).</summary>
    public async Task<(int Rows, int Files)> RunAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var cutoff = now - options.Value.OrphanFileAge;
        var rows = await SweepRowsAsync(cutoff, cancellationToken);
        var removed = await SweepFolderAsync(cutoff, cancellationToken);
        if (rows + removed > 0)
            logger.LogInformation("Storage sweep removed {Rows} stored files and {Files} files in the storage folder that nothing referred to", rows, removed);
        return (rows, removed);
    }

    /// <summary>
    /// Only the rows older than JobTracker:OrphanFileAge before <paramref name="now"/> (UTC) that nothing refers to,
    /// with their chunks or their file: what the periodic sweep does between nightly cleanups (an upload stored for
    /// its column mapping that nobody confirmed or cancelled, in either storage kind). Returns how many went.
    /// </summary>
    public async Task<int> RunRowsAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var rows = await SweepRowsAsync(now - options.Value.OrphanFileAge, cancellationToken);
        if (rows > 0) logger.LogInformation("Storage sweep removed {Rows} stored files that nothing referred to", rows);
        return rows;
    }

    /// <summary>
    /// stored_files rows older than the cutoff that no job (its upload) and no batch (its export file) refers
    /// to: an upload whose job never committed, a Database upload cut off mid-stream (size 0, some chunks).
    /// Each goes in its own transaction that checks again that nothing refers to it.
    /// </summary>
    private async Task<int> SweepRowsAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var orphans = (await connection.QueryAsync<(long Id, string FileName, string StorageName, long SizeBytes, string StorageKind)>("""
            SELECT f.id, f.file_name, f.storage_name, f.size_bytes, f.storage_kind FROM stored_files f
             WHERE f.created_at < @cutoff
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_file_id = f.id)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.file_id = f.id)
            """, new { cutoff })).AsList();
        var removed = 0;
        foreach (var orphan in orphans)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = orphan.Id;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await connection.ExecuteAsync("""
                    DELETE FROM stored_file_chunks WHERE file_id = @id
                       AND NOT EXISTS (SELECT 1 FROM jobs WHERE source_file_id = @id)
                       AND NOT EXISTS (SELECT 1 FROM batches WHERE file_id = @id)
                    """, new { id }, transaction);
                var deleted = await connection.ExecuteAsync("""
                    DELETE FROM stored_files WHERE id = @id
                       AND NOT EXISTS (SELECT 1 FROM jobs WHERE source_file_id = @id)
                       AND NOT EXISTS (SELECT 1 FROM batches WHERE file_id = @id)
                    """, new { id }, transaction);
                if (deleted == 0) continue; // referenced meanwhile: rolled back
                await transaction.CommitAsync(cancellationToken);
            }
            if (orphan.StorageKind == nameof(StorageKind.Folder)) TryDelete(Path.Combine(files.Root, orphan.StorageName));
            removed++;
            logger.LogInformation("Storage sweep removed stored file {FileId} ({FileName}, {SizeBytes} bytes, {StorageKind}): no job or batch refers to it",
                id, orphan.FileName, orphan.SizeBytes, orphan.StorageKind);
        }
        return removed;
    }

    /// <summary>
    /// Files in the storage folder last written before the cutoff that no Folder row names: uploads
    /// (generated names, and .part files cut off mid-write) at the top, and whatever is under exports/{jobId}/
    /// (batch files whose batch never committed, temp files). An export folder left empty goes too once its
    /// job has finished.
    /// </summary>
    private async Task<int> SweepFolderAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        var root = files.Root;
        if (!Directory.Exists(root)) return 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        var named = (await connection.QueryAsync<string>(
                "SELECT storage_name FROM stored_files WHERE storage_kind = @Folder", new { Folder = nameof(StorageKind.Folder) }))
            .ToHashSet(StringComparer.Ordinal);

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(root))
        {
            var name = Path.GetFileName(path);
            if (UploadName().IsMatch(name) && IsOrphan(path, name, named, cutoff)) removed += Remove(path, name);
        }

        var exports = Path.Combine(root, "exports");
        if (!Directory.Exists(exports)) return removed;
        foreach (var folder in Directory.EnumerateDirectories(exports))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!long.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var jobId)) continue;
            var untouched = Directory.GetLastWriteTimeUtc(folder) < cutoff; // before our own deletions touch it
            foreach (var path in Directory.EnumerateFiles(folder))
            {
                var name = FileStore.ExportStorageName(jobId, Path.GetFileName(path));
                if (IsOrphan(path, name, named, cutoff)) removed += Remove(path, name);
            }
            if (untouched && !Directory.EnumerateFileSystemEntries(folder).Any()
                && await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM jobs WHERE id = @jobId AND finished_at IS NULL", new { jobId }) == 0)
                TryDeleteFolder(folder);
        }
        return removed;
    }

    private static bool IsOrphan(string path, string storageName, HashSet<string> named, DateTime cutoff) =>
        !named.Contains(storageName) && File.GetLastWriteTimeUtc(path) < cutoff;

    private int Remove(string path, string storageName)
    {
        if (!TryDelete(path)) return 0;
        logger.LogInformation("Storage sweep removed {StorageName} from the storage folder: no stored file names it", storageName);
        return 1;
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Storage sweep could not remove {FileName}", Path.GetFileName(path));
            return false;
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: false); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>An upload's storage name (a version 7 GUID in hex, the user's extension) and its name while written (.part).</summary>
    [GeneratedRegex(@"^[0-9a-f]{32}(\.[^.]*)?(\.part)?$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadName();
}
