using System.Data.Common;
using Dapper;
using JobTracker.Db;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// Uploaded files on disk, addressed by their stored_files id. Names on disk are generated;
/// the user's file name is only ever data.
/// </summary>
public sealed class FileStore(Database database, IOptions<EngineOptions> options)
{
    private readonly string root = Path.GetFullPath(options.Value.StoragePath);

    /// <summary>Streams <paramref name="content"/> to storage, refusing it once it passes <paramref name="maxBytes"/>.</summary>
    public async Task<StoredFile> SaveAsync(Stream content, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var storageName = $"{Guid.CreateVersion7():N}{Path.GetExtension(fileName).ToLowerInvariant()}";
        var path = Path.Combine(root, storageName);
        long size = 0;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                        throw new UploadRejectedException($"The file is larger than the upload limit of {FormatBytes(maxBytes)}. Split it into smaller files and import them one after another.");
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            if (size == 0)
                throw new UploadRejectedException("The file is empty. Choose a CSV, JSON or JSON Lines file with at least one row.");

            await using var connection = await database.OpenAsync(cancellationToken);
            var id = await AddRowAsync(connection, fileName, storageName, size, DateTime.UtcNow);
            return new StoredFile(id, fileName, size);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// The stored_files row of a file already in storage (<paramref name="storageName"/>, relative to the
    /// storage folder), in the caller's transaction if any. Returns its id.
    /// </summary>
    public Task<long> AddRowAsync(DbConnection connection, string fileName, string storageName, long size, DateTime now, DbTransaction? transaction = null) =>
        connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId("stored_files", "file_name, storage_name, size_bytes, created_at", "@fileName, @storageName, @size, @now"),
            new { fileName, storageName, size, now }, transaction);

    /// <summary>Opens a stored file for reading, or null when there is no such file.</summary>
    public async Task<(Stream Content, StoredFile File)?> OpenReadAsync(long fileId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string FileName, string StorageName, long SizeBytes)>(
            "SELECT id, file_name, storage_name, size_bytes FROM stored_files WHERE id = @fileId", new { fileId });
        if (row.StorageName is null) return null;
        var path = Path.Combine(root, row.StorageName);
        if (!File.Exists(path)) return null;
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return (stream, new StoredFile(row.Id, row.FileName, row.SizeBytes));
    }

    /// <summary>
    /// Where an export's batch files are written: exports/{jobId}/ under the storage folder. Like
    /// uploads, they are downloaded through their stored_files row, never by a path from a request.
    /// </summary>
    public string ExportFolder(long jobId) => Path.Combine(root, ExportStorageName(jobId, ""));

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
}
