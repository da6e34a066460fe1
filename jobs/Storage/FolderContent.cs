namespace JobTracker.Jobs.Storage;

/// <summary>
/// The content of <see cref="StorageKind.Folder"/> files: one file each under the storage folder, named by
/// stored_files.storage_name (a path relative to the folder, never anything from a request).
/// </summary>
internal sealed class FolderContent(string root, StorageDisk disk)
{
    /// <summary>The suffix of an upload while it is written: it gets its real name only once it is whole.</summary>
    public const string PartSuffix = ".part";

    private const int BufferSize = 1 << 16;

    /// <summary>No FileStream buffer (the loop writes whole 64 KiB blocks): nothing is left to flush when a write fails.</summary>
    private const int Unbuffered = 0;

    public string Root => root;

    public string PathOf(string storageName) => Path.Combine(root, storageName);

    /// <summary>
    /// Streams <paramref name="content"/> into a new file, refusing it once it passes <paramref name="maxBytes"/>.
    /// The file is written as storageName.part and renamed to <paramref name="storageName"/> once whole. Returns its
    /// size; on any failure the file is gone. A failure of the storage itself (a full disk, no access: not of
    /// the request that brings the content) is an <see cref="UploadRejectedException"/> carrying the cause.
    /// </summary>
    public async Task<long> WriteAsync(string storageName, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(storageName);
        var part = path + PartSuffix;
        long size = 0;
        try
        {
            var file = Store(() => { Directory.CreateDirectory(root); return disk.Create(part, FileMode.CreateNew, Unbuffered, asynchronous: true); });
            await using (file)
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes) throw FileStore.TooLarge(maxBytes);
                    await StoreAsync(file.WriteAsync(buffer.AsMemory(0, read), cancellationToken));
                }
                await StoreAsync(file.FlushAsync(cancellationToken));
            }
            Store(() => { File.Move(part, path); return 0; });
            return size;
        }
        catch
        {
            TryDelete(part);
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

    private static T Store<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw FileStore.NotStored(ex);
        }
    }

    private static async Task StoreAsync(ValueTask write)
    {
        try
        {
            await write;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw FileStore.NotStored(ex);
        }
    }

    private static async Task StoreAsync(Task write) => await StoreAsync(new ValueTask(write));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
