using System.Runtime.InteropServices;

namespace JobTracker.Db.Sqlite;

/// <summary>
/// Makes glibc hand SQLite's large blocks back to the system when they are freed. Binding and storing a
/// record of 10 MB makes SQLite allocate blocks of its size; glibc serves a block that large from a
/// memory map and unmaps it on free, but after the first such free it raises its threshold to that size
/// (up to 32 MB), so later blocks come from its arenas (one per thread that wrote) and stay resident.
/// A fixed threshold of 1 MB keeps the first behaviour: measured with the benchmark's widerows section,
/// 20 rows of 10 MB peaked at about 255 MB without it and 190 MB with it; a normal import is unchanged.
/// </summary>
internal static class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD in malloc.h

    private static int _done;

    /// <summary>Once per process, on Linux; elsewhere (or without glibc's mallopt) nothing.</summary>
    public static void ReturnLargeBlocks()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _done, 1) == 1) return;
        try
        {
            mallopt(MmapThreshold, 1 << 20);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: its own allocator's behaviour stands.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
