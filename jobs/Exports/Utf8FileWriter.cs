using System.Buffers;

namespace JobTracker.Jobs.Exports;

/// <summary>UTF-8 straight into one pooled buffer, written to the file in 1 MiB blocks: no per-record strings or encoders.</summary>
internal sealed class Utf8FileWriter(Stream file) : IDisposable
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
                file.Write(bytes);
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
        file.Write(buffer, 0, used);
        used = 0;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
