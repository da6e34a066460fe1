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

    private static long _trimmedAt;

    /// <summary>The least time between two trims, in milliseconds.</summary>
    private const long TrimEvery = 250;

    /// <summary>
    /// Hands the free memory of glibc's arenas back to the system (malloc_trim), at most every 250 ms; the import's
    /// writer calls it before each batch, an export's reads after each batch (<see cref="SqliteProvider.ReleaseMemory"/>).
    /// glibc gives each thread that allocates an arena of its own (up to 8 per core) and a freed block goes back to
    /// the arena it came from. The writer is async, so it goes on from whichever
    /// pool thread picks it up, and SQLite's blocks (pages, bound values) spread over several arenas, each keeping
    /// blocks that only its own threads would reuse: memory grew with the length of the import. Measured with the
    /// tenmillion benchmark's import child: 10M rows peaked at 289-350 MB against 185 MB for 1M; with this, 196 MB
    /// against 173 MB, in the same time. (M_ARENA_MAX set from here comes too late: the runtime's threads have arenas by then.)
    /// Once a second was enough while an import ran at 2.5-4 s per million rows; at 2 s per million the arenas filled
    /// again between trims (10M peaked at 195-243 MB against 157-167 MB for 1M). Every 250 ms: 184-190 MB against
    /// 157-168 MB, in the same time; every 100 ms was no better (189-192 MB).
    /// </summary>
    public static void TrimNow()
    {
        if (!OperatingSystem.IsLinux()) return;
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _trimmedAt);
        if (now - last < TrimEvery || Interlocked.CompareExchange(ref _trimmedAt, now, last) != last) return;
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing to trim.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
