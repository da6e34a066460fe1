using JobTracker.Jobs.Storage;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// A storage disk that fills up: every file written through it takes <see cref="Capacity"/> bytes, then the
/// next write fails exactly as a full disk does, with the IOException the OS itself gives (a write to
/// /dev/full: ENOSPC, whose message names a path, as real ones do). Registered in place of the app's
/// <see cref="StorageDisk"/> (<see cref="JobTrackerApp.TestServices"/>).
/// </summary>
public sealed class FillingDisk : StorageDisk
{
    private long capacity = long.MaxValue;

    /// <summary>Bytes each new file may hold before the disk is full (no limit by default).</summary>
    public long Capacity
    {
        get => Interlocked.Read(ref capacity);
        set => Interlocked.Exchange(ref capacity, value);
    }

    /// <summary>How many writes failed for want of space.</summary>
    public int Failures => failures;

    private int failures;

    public override FileStream Create(string path, FileMode mode, int bufferSize, bool asynchronous) =>
        new FillingFile(this, path, mode, bufferSize, asynchronous, Capacity);

    /// <summary>The real failure of a write to a full disk.</summary>
    private IOException Full(string path)
    {
        Interlocked.Increment(ref failures);
        try
        {
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            full.Write([0]);
        }
        catch (IOException real)
        {
            return real;
        }
        return new IOException($"No space left on device : '{path}'", 28); // no /dev/full on this system
    }

    private sealed class FillingFile(FillingDisk disk, string path, FileMode mode, int bufferSize, bool asynchronous, long capacity)
        : FileStream(path, mode, FileAccess.Write, FileShare.None, bufferSize, asynchronous)
    {
        private long written;

        // A FileStream subclass gets every write, span or memory, through these two (Stream's defaults call them);
        // base's own byte[] overloads go straight to the file.
        public override void Write(byte[] buffer, int offset, int count)
        {
            var fits = Fits(count);
            base.Write(buffer, offset, fits);
            if (fits < count) Fail(count);
            written += count;
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var fits = Fits(count);
            await base.WriteAsync(buffer, offset, fits, cancellationToken);
            if (fits < count) Fail(count);
            written += count;
        }

        private int Fits(int count) => (int)Math.Min(count, Math.Max(0, capacity - written));

        private void Fail(int count)
        {
            written = Math.Min(capacity, written + count);
            throw disk.Full(Name);
        }
    }
}
