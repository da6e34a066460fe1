using System.Data.Common;
using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// Uploaded files and export batch files, addressed by their stored_files id. Where a file's content
/// lives is its row's storage_kind: a file in the storage folder (<see cref="FolderContent"/>) or chunks
/// in the database (<see cref="DatabaseContent"/>); new files go where JobTracker:Storage says
/// (<see cref="Kind"/>), and files stored before a switch still open. Names in storage are generated;
/// the user's file name is only ever data.
/// </summary>
public sealed class FileStore(Database database, IOptions<EngineOptions> options, StorageDisk disk)
{
    private readonly FolderContent folder = new(Path.GetFullPath(options.Value.StoragePath), disk);
    private readonly DatabaseContent chunks = new(database);

    /// <summary>Where new files go (JobTracker:Storage).</summary>
    public StorageKind Kind { get; } = options.Value.Storage;

    /// <summary>The disk under the storage folder, through which every file there is written.</summary>
    public StorageDisk Disk => disk;

    /// <summary>The free space the storage folder's disk keeps (JobTracker:StorageMinFreeBytes).</summary>
    public long MinFreeBytes => Math.Max(0, options.Value.StorageMinFreeBytes);

    /// <summary>The storage folder (JobTracker:StoragePath), in full.</summary>
    internal string Root => folder.Root;

    /// <summary>
    /// Streams <paramref name="content"/> to storage as it arrives (never whole in memory), refusing it
    /// once it passes <paramref name="maxBytes"/> or when it is empty, and returns its row. Nothing refers
    /// to the file yet: tests and benchmarks queue its import next (the start-up sweep removes a file that
    /// stays unreferenced). A refused or broken-off upload leaves nothing behind.
    /// </summary>
    public async Task<StoredFile> SaveAsync(Stream content, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        StoredFile? saved = null;
        await SaveAsync(content, fileName, maxBytes, declaredBytes: null, (_, _, file) =>
        {
            saved = file;
            return Task.FromResult(file.Id);
        }, cancellationToken);
        return saved!;
    }

    /// <summary>
    /// Streams <paramref name="content"/> to storage as it arrives (never whole in memory), then commits its
    /// row together with whatever <paramref name="reference"/> writes in the same transaction (the job that
    /// imports it), and returns what that returns. Refused before a byte is stored when the storage folder
    /// has no room for <paramref name="declaredBytes"/> above JobTracker:StorageMinFreeBytes; refused past
    /// <paramref name="maxBytes"/>, when empty, or when storage fails (a full disk); every refusal is an
    /// <see cref="UploadRejectedException"/> and leaves nothing behind. An upload cut off by a crash leaves
    /// at most an unreferenced file or row, which the start-up sweep (<see cref="StorageSweep"/>) removes.
    /// </summary>
    public Task<long> SaveAsync(
        Stream content, string fileName, long maxBytes, long? declaredBytes,
        Func<DbConnection, DbTransaction, StoredFile, Task<long>> reference, CancellationToken cancellationToken)
    {
        var storageName = $"{Guid.CreateVersion7():N}{Path.GetExtension(fileName).ToLowerInvariant()}";
        if (Kind == StorageKind.Database)
            return SaveToDatabaseAsync(content, fileName, storageName, maxBytes, reference, cancellationToken);
        EnsureRoom(declaredBytes);
        return SaveToFolderAsync(content, fileName, storageName, maxBytes, reference, cancellationToken);
    }

    /// <summary>
    /// Refuses an upload the storage folder's disk has no room for, keeping JobTracker:StorageMinFreeBytes
    /// free (with an unknown size, one that would start below it). Nothing is refused when the free space
    /// cannot be known.
    /// </summary>
    private void EnsureRoom(long? declaredBytes)
    {
        if (disk.AvailableFreeSpace(folder.Root) is not { } free) return;
        var room = Math.Max(0, free - MinFreeBytes);
        if (room >= Math.Max(1, declaredBytes ?? 1)) return;
        throw new UploadRejectedException(declaredBytes is { } size
            ? $"Not enough free space on the server to store this file: {FormatBytes(room)} free, the file is {FormatBytes(size)}. Ask an administrator to free space."
            : $"Not enough free space on the server to store this file: {FormatBytes(room)} free. Ask an administrator to free space.");
    }

    private async Task<long> SaveToFolderAsync(
        Stream content, string fileName, string storageName, long maxBytes,
        Func<DbConnection, DbTransaction, StoredFile, Task<long>> reference, CancellationToken cancellationToken)
    {
        var size = await folder.WriteAsync(storageName, content, maxBytes, cancellationToken);
        try
        {
            if (size == 0) throw Empty();
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var id = await AddRowAsync(connection, fileName, storageName, size, DateTime.UtcNow, transaction);
            var result = await reference(connection, transaction, new StoredFile(id, fileName, size));
            await transaction.CommitAsync(CancellationToken.None);
            return result;
        }
        catch
        {
            folder.Delete(storageName);
            throw;
        }
    }

    /// <summary>
    /// The row first (size 0 while pending), so that the chunks have a file to belong to, then its size and
    /// what refers to it in one transaction once they are all in. Each chunk is its own short write: a slow
    /// upload never holds the database's write lock.
    /// </summary>
    private async Task<long> SaveToDatabaseAsync(
        Stream content, string fileName, string storageName, long maxBytes,
        Func<DbConnection, DbTransaction, StoredFile, Task<long>> reference, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = await AddRowAsync(connection, fileName, storageName, 0, DateTime.UtcNow, kind: StorageKind.Database);
        try
        {
            var size = await chunks.WriteAsync(connection, null, id, content, maxBytes, cancellationToken);
            if (size == 0) throw Empty();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var updated = await connection.ExecuteAsync("UPDATE stored_files SET size_bytes = @size WHERE id = @id", new { size, id }, transaction);
            // Another node's start-up sweep took the row for an orphan: the upload ran longer than JobTracker:OrphanFileAge.
            if (updated == 0) throw new UploadRejectedException("The upload took so long that the server discarded it. Import the file again.");
            var result = await reference(connection, transaction, new StoredFile(id, fileName, size));
            await transaction.CommitAsync(CancellationToken.None);
            return result;
        }
        catch (Exception failed) when (failed is not DbException)
        {
            // (When the database itself failed, the row stays behind, pending: the start-up sweep removes it.)
            await DatabaseContent.DeleteAsync(connection, id);
            throw;
        }
    }

    /// <summary>
    /// The stored_files row of a file, in the caller's transaction if any; returns its id. For
    /// <see cref="StorageKind.Folder"/> the file is in the storage folder already (<paramref name="storageName"/>,
    /// relative to it); for <see cref="StorageKind.Database"/> its content follows (<see cref="WriteContentAsync"/>).
    /// </summary>
    public Task<long> AddRowAsync(
        DbConnection connection, string fileName, string storageName, long size, DateTime now, DbTransaction? transaction = null, StorageKind kind = StorageKind.Folder) =>
        connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("stored_files", "file_name, storage_name, size_bytes, created_at, storage_kind", "@fileName, @storageName, @size, @now, @Kind"),
            new { fileName, storageName, size, now, Kind = kind.ToString() }, transaction);

    /// <summary>
    /// Copies a local file into the database as the content of a <see cref="StorageKind.Database"/> row, in the
    /// caller's transaction: the content exists exactly when that transaction commits.
    /// </summary>
    public async Task WriteContentAsync(DbConnection connection, DbTransaction transaction, long fileId, string localPath, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await chunks.WriteAsync(connection, transaction, fileId, file, long.MaxValue, cancellationToken);
    }

    /// <summary>Opens a stored file for reading (seekable, read as it goes), or null when there is no such file.</summary>
    public async Task<(Stream Content, StoredFile File)?> OpenReadAsync(long fileId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string FileName, string StorageName, long SizeBytes, string StorageKind)>(
            "SELECT id, file_name, storage_name, size_bytes, storage_kind FROM stored_files WHERE id = @fileId", new { fileId });
        if (row.StorageName is null) return null;
        var stream = Enum.Parse<StorageKind>(row.StorageKind) == StorageKind.Database
            ? await chunks.OpenReadAsync(connection, row.Id, row.SizeBytes, cancellationToken)
            : folder.OpenRead(row.StorageName);
        return stream is null ? null : (stream, new StoredFile(row.Id, row.FileName, row.SizeBytes));
    }

    /// <summary>
    /// Deletes a stored file that no job and no batch refers to (an upload waiting for its column mapping,
    /// cancelled), with its chunks or its file in the storage folder. False when there is no such file or
    /// something refers to it: then nothing is deleted.
    /// </summary>
    public async Task<bool> DeleteUnreferencedAsync(long fileId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string StorageName, string StorageKind)>(
            "SELECT id, storage_name, storage_kind FROM stored_files WHERE id = @fileId AND size_bytes > 0", new { fileId });
        if (row.StorageName is null) return false; // (size 0: a Database upload still streaming, not ours to delete)
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("""
                DELETE FROM stored_file_chunks WHERE file_id = @fileId
                   AND NOT EXISTS (SELECT 1 FROM jobs WHERE source_file_id = @fileId)
                   AND NOT EXISTS (SELECT 1 FROM batches WHERE file_id = @fileId)
                """, new { fileId }, transaction);
            var deleted = await connection.ExecuteAsync("""
                DELETE FROM stored_files WHERE id = @fileId AND size_bytes > 0
                   AND NOT EXISTS (SELECT 1 FROM jobs WHERE source_file_id = @fileId)
                   AND NOT EXISTS (SELECT 1 FROM batches WHERE file_id = @fileId)
                """, new { fileId }, transaction);
            if (deleted == 0) return false; // referenced: rolled back
            await transaction.CommitAsync(CancellationToken.None);
        }
        if (row.StorageKind == nameof(StorageKind.Folder))
        {
            try { folder.Delete(row.StorageName); }
            catch (IOException) { } // the storage sweep removes a file that no row names
            catch (UnauthorizedAccessException) { }
        }
        return true;
    }

    /// <summary>
    /// Where an export writes its batch files: exports/{jobId}/ under the storage folder. With Folder
    /// storage they stay there; with Database storage only their temp files pass through, on this node's
    /// disk. Like uploads, they are downloaded through their stored_files row, never by a path from a request.
    /// </summary>
    public string ExportFolder(long jobId) => folder.PathOf(ExportStorageName(jobId, ""));

    /// <summary>The stored_files.storage_name of an export's batch file (relative to the storage folder).</summary>
    public static string ExportStorageName(long jobId, string fileName) =>
        $"exports/{jobId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{fileName}";

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 => $"{bytes / (double)(1 << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Storage failed under an upload (<paramref name="cause"/>, for the log): the user hears whether the disk is full, never a path.</summary>
    internal static UploadRejectedException NotStored(Exception cause) => new(
        StorageDisk.IsFull(cause)
            ? "The server ran out of disk space while storing this file, so nothing was imported. Ask an administrator to free space, then import the file again."
            : "The server could not store this file, so nothing was imported. Ask an administrator to check the server's storage (its log says why), then import the file again.",
        cause);

    internal static UploadRejectedException TooLarge(long maxBytes) =>
        new($"The file is larger than the upload limit of {FormatBytes(maxBytes)}. Split it into smaller files and import them one after another.") { IsTooLarge = true };

    private static UploadRejectedException Empty() =>
        new("The file is empty. Choose a CSV, JSON or JSON Lines file with at least one row.");
}
