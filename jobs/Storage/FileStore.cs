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
public sealed class FileStore(Database database, IOptions<EngineOptions> options)
{
    private readonly FolderContent folder = new(Path.GetFullPath(options.Value.StoragePath));
    private readonly DatabaseContent chunks = new(database);

    /// <summary>Where new files go (JobTracker:Storage).</summary>
    public StorageKind Kind { get; } = options.Value.Storage;

    /// <summary>
    /// Streams <paramref name="content"/> to storage as it arrives (never whole in memory), refusing it
    /// once it passes <paramref name="maxBytes"/> or when it is empty. A refused or broken-off upload
    /// leaves nothing behind.
    /// </summary>
    public Task<StoredFile> SaveAsync(Stream content, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        var storageName = $"{Guid.CreateVersion7():N}{Path.GetExtension(fileName).ToLowerInvariant()}";
        return Kind == StorageKind.Folder
            ? SaveToFolderAsync(content, fileName, storageName, maxBytes, cancellationToken)
            : SaveToDatabaseAsync(content, fileName, storageName, maxBytes, cancellationToken);
    }

    private async Task<StoredFile> SaveToFolderAsync(Stream content, string fileName, string storageName, long maxBytes, CancellationToken cancellationToken)
    {
        var size = await folder.WriteAsync(storageName, content, maxBytes, cancellationToken);
        try
        {
            if (size == 0) throw Empty();
            await using var connection = await database.OpenAsync(cancellationToken);
            return new StoredFile(await AddRowAsync(connection, fileName, storageName, size, DateTime.UtcNow), fileName, size);
        }
        catch
        {
            folder.Delete(storageName);
            throw;
        }
    }

    /// <summary>
    /// The row first, so that the chunks have a file to belong to, and its size once they are all in.
    /// Each chunk is its own short write: a slow upload never holds the database's write lock.
    /// </summary>
    private async Task<StoredFile> SaveToDatabaseAsync(Stream content, string fileName, string storageName, long maxBytes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = await AddRowAsync(connection, fileName, storageName, 0, DateTime.UtcNow, kind: StorageKind.Database);
        try
        {
            var size = await chunks.WriteAsync(connection, null, id, content, maxBytes, cancellationToken);
            if (size == 0) throw Empty();
            await connection.ExecuteAsync("UPDATE stored_files SET size_bytes = @size WHERE id = @id", new { size, id });
            return new StoredFile(id, fileName, size);
        }
        catch (Exception failed) when (failed is not DbException)
        {
            // (When the database itself failed, the row stays behind with size 0: no job points at it.)
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

    internal static UploadRejectedException TooLarge(long maxBytes) =>
        new($"The file is larger than the upload limit of {FormatBytes(maxBytes)}. Split it into smaller files and import them one after another.");

    private static UploadRejectedException Empty() =>
        new("The file is empty. Choose a CSV, JSON or JSON Lines file with at least one row.");
}
