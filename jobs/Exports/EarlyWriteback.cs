using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace JobTracker.Jobs.Exports;

/// <summary>
/// Asks Linux to start writing part of a file to disk now, without waiting for it (sync_file_range with
/// SYNC_FILE_RANGE_WRITE): a batch file whose blocks are on their way while the rest is written leaves its
/// fsync less to wait for. Only a hint: the fsync still makes the file durable, and where the call does
/// not exist (not Linux, not glibc) nothing happens. Measured with the benchmark's export section (1,000,000
/// records in 100 files, 12 interleaved pairs): 0.48-0.71 s without it, 0.41-0.63 s with it.
/// </summary>
internal static class EarlyWriteback
{
    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE in fcntl.h

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Starts writing <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/> to disk.</summary>
    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (_unavailable || length <= 0) return;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            sync_file_range((int)file.DangerousGetHandle(), offset, length, SyncFileRangeWrite);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    [DllImport("libc", EntryPoint = "sync_file_range")]
    private static extern int sync_file_range(int fd, long offset, long nbytes, uint flags);
}
