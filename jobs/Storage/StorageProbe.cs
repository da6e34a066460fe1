using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// Whether the storage folder takes files now, for /health/ready: a small file is written and deleted
/// there through <see cref="StorageDisk"/> (as uploads and export batch files are), and the disk's free
/// space is held against <see cref="EngineOptions.StorageMinFreeBytes"/>. The answer names no path.
/// </summary>
public sealed class StorageProbe(StorageDisk disk, IOptions<EngineOptions> options)
{
    /// <summary>The outcome: writable or not, the free space when known, and the problem in words (null when all is well).</summary>
    public sealed record Result(bool Writable, long? FreeBytes, long MinFreeBytes, string? Problem);

    public Result Check()
    {
        var folder = Path.GetFullPath(options.Value.StoragePath);
        var minimum = options.Value.StorageMinFreeBytes;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".health-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            try
            {
                using (var file = disk.Create(probe, FileMode.CreateNew, 4096, asynchronous: false))
                    file.WriteByte(0);
            }
            finally
            {
                File.Delete(probe);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = StorageDisk.IsFull(ex) ? "the disk is full" : ex is UnauthorizedAccessException ? "access is denied" : "it is not a folder this process can write to";
            return new Result(false, null, minimum, $"The storage folder does not take files: {why}.");
        }

        var free = disk.AvailableFreeSpace(folder);
        if (free is { } bytes && bytes < minimum)
            return new Result(true, bytes, minimum,
                $"The storage folder's disk has {Megabytes(bytes)} free, less than the {Megabytes(minimum)} it must keep: uploads are refused and exports do not start.");
        return new Result(true, free, minimum, null);
    }

    /// <summary>"512 MB".</summary>
    public static string Megabytes(long bytes) => $"{bytes / (1024 * 1024):N0} MB";
}
