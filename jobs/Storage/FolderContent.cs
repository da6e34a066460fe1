namespace JobTracker.Jobs.Storage;

/// <summary>
/// The content of <see cref="StorageKind.Folder"/> files: one file each under the storage folder, named by
/// stored_files.storage_name (a path relative to the folder, never anything from a request).
/// </summary>
internal sealed class FolderContent(string root)
{
    private const int BufferSize = 1 << 16;

    public string Root => root;

    public string PathOf(string storageName) => Path.Combine(root, storageName);

    /// <summary>
    /// Streams <paramref name="content"/> into a new file, refusing it once it passes <paramref name="maxBytes"/>.
    /// Returns its size; on any failure the file is gone.
    /// </summary>
    public async Task<long> WriteAsync(string storageName, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var path = PathOf(storageName);
        long size = 0;
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > maxBytes) throw FileStore.TooLarge(maxBytes);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            return size;
        }
        catch
        {
            Delete(storageName);
            throw;
        }
    }

    /// <summary>The file, open for reading, or null when it is not there.</summary>
    public Stream? OpenRead(string storageName)
    {
        var path = PathOf(storageName);
        return File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan)
            : null;
    }

    public void Delete(string storageName) => File.Delete(PathOf(storageName));
}
