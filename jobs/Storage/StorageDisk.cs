namespace JobTracker.Jobs.Storage;

/// <summary>
/// The disk under the storage folder, as the engine writes to it: the free space it has left and the
/// files it creates there (uploads, export batch files and their temp files). One instance per process;
/// tests register one whose files fill up, to see what a full disk does.
/// </summary>
public class StorageDisk
{
    /// <summary>ENOSPC on Linux and macOS: .NET puts the errno in the IOException's HResult.</summary>
    private const int NoSpaceErrno = 28;

    /// <summary>EDQUOT on Linux: the user's quota on the disk is used up, which is the same thing to us.</summary>
    private const int QuotaErrnoLinux = 122;

    /// <summary>ERROR_HANDLE_DISK_FULL (0x27) and ERROR_DISK_FULL (0x70), as HRESULTs of facility Win32.</summary>
    private const int HandleDiskFull = unchecked((int)0x80070027);
    private const int DiskFull = unchecked((int)0x80070070);

    /// <summary>
    /// The bytes free for this process on the disk that holds <paramref name="folder"/> (created when
    /// missing), or null when that cannot be known (no such drive, no access).
    /// </summary>
    public virtual long? AvailableFreeSpace(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Creates a file for writing (<see cref="FileMode.CreateNew"/> or <see cref="FileMode.Create"/>), shared with nobody.</summary>
    public virtual FileStream Create(string path, FileMode mode, int bufferSize, bool asynchronous) =>
        new(path, mode, FileAccess.Write, FileShare.None, bufferSize, asynchronous);

    /// <summary>Whether an exception says the disk (or the quota on it) is full.</summary>
    public static bool IsFull(Exception exception) =>
        exception is IOException { HResult: var code } && code switch
        {
            HandleDiskFull or DiskFull => true,
            NoSpaceErrno => !OperatingSystem.IsWindows(),
            QuotaErrnoLinux => OperatingSystem.IsLinux(),
            _ => false,
        };
}
