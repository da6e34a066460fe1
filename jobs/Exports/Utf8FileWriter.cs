using System.Buffers;

namespace JobTracker.Jobs.Exports;

/// <summary>
/// UTF-8 straight into one pooled buffer, written to the file in 1 MiB blocks: no per-record strings or
/// encoders. With <paramref name="startWriteback"/> (the file is fsynced once written), each block is sent on
/// its way to disk as soon as it is written (<see cref="EarlyWriteback"/>).
/// </summary>
internal sealed class Utf8FileWriter(FileStream file, bool startWriteback = false) : IDisposable
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
    private int used;

    public long BytesWritten { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > buffer.Length - used)
        {
            Flush();
            if (bytes.Length > buffer.Length)
            {
                WriteToFile(bytes);
                BytesWritten += bytes.Length;
                return;
            }
        }
        bytes.CopyTo(buffer.AsSpan(used));
        used += bytes.Length;
        BytesWritten += bytes.Length;
    }

    public void Flush()
    {
        if (used == 0) return;
        WriteToFile(buffer.AsSpan(0, used));
        used = 0;
    }

    private void WriteToFile(ReadOnlySpan<byte> block)
    {
        var offset = file.Position;
        file.Write(block);
        if (startWriteback) EarlyWriteback.Start(file.SafeFileHandle, offset, block.Length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
