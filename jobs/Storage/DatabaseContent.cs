using System.Data.Common;
using Dapper;
using JobTracker.Db;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// The content of <see cref="StorageKind.Database"/> files: stored_file_chunks rows 0, 1, 2, ... of
/// <see cref="ChunkSize"/> bytes each (the last one shorter), written one at a time as the content
/// streams in and read back one at a time (<see cref="ChunkReadStream"/>), so no file is ever whole in memory.
/// </summary>
internal sealed class DatabaseContent(Database database)
{
    /// <summary>
    /// The size of every chunk but a file's last. Readers find byte n in chunk n / ChunkSize, so this
    /// is part of the stored format: never change it for files already stored.
    /// </summary>
    public const int ChunkSize = 1 << 20;

    /// <summary>
    /// Streams <paramref name="content"/> into the chunks of file <paramref name="fileId"/>, one INSERT per
    /// chunk (in <paramref name="transaction"/> when given), refusing it once it passes <paramref name="maxBytes"/>.
    /// Returns its size. Holds one chunk in memory.
    /// </summary>
    public async Task<long> WriteAsync(
        DbConnection connection, DbTransaction? transaction, long fileId, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var chunk = new byte[ChunkSize];
        var chunkNo = 0;
        var filled = 0;
        long size = 0;
        int read;
        while ((read = await content.ReadAsync(chunk.AsMemory(filled), cancellationToken)) > 0)
        {
            size += read;
            if (size > maxBytes) throw FileStore.TooLarge(maxBytes);
            filled += read;
            if (filled < ChunkSize) continue;
            await InsertAsync(connection, transaction, fileId, chunkNo++, chunk, cancellationToken);
            filled = 0;
        }
        if (filled > 0) await InsertAsync(connection, transaction, fileId, chunkNo, chunk[..filled], cancellationToken);
        return size;
    }

    private static Task InsertAsync(DbConnection connection, DbTransaction? transaction, long fileId, int chunkNo, byte[] data, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO stored_file_chunks (file_id, chunk_no, data) VALUES (@fileId, @chunkNo, @data)",
            new { fileId, chunkNo, data }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The file's content as a seekable stream, or null when its chunks are not all there (as a
    /// <see cref="StorageKind.Folder"/> file can be missing from its folder).
    /// </summary>
    public async Task<Stream?> OpenReadAsync(DbConnection connection, long fileId, long size, CancellationToken cancellationToken)
    {
        var chunks = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM stored_file_chunks WHERE file_id = @fileId", new { fileId }, cancellationToken: cancellationToken));
        return chunks == (size + ChunkSize - 1) / ChunkSize ? new ChunkReadStream(database, fileId, size) : null;
    }

    /// <summary>Deletes the file's chunks and its stored_files row (an upload that was refused or broke off).</summary>
    public static async Task DeleteAsync(DbConnection connection, long fileId)
    {
        await connection.ExecuteAsync("DELETE FROM stored_file_chunks WHERE file_id = @fileId", new { fileId });
        await connection.ExecuteAsync("DELETE FROM stored_files WHERE id = @fileId", new { fileId });
    }
}
