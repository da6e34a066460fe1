namespace JobTracker.Jobs.Exports;

/// <summary>
/// UTF-8 straight into one block taken from <paramref name="blocks"/>, written to the file a block at a time (1 MiB):
/// no per-record strings or encoders. With <paramref name="startWriteback"/> (the file is fsynced once written),
/// each block is sent on its way to disk as soon as it is written (<see cref="EarlyWriteback"/>).
/// </summary>
internal sealed class Utf8FileWriter(FileStream file, WriteBlocks blocks, bool startWriteback = false) : IDisposable
{
    private byte[] buffer = blocks.Take();
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
        if (buffer.Length == 0) return;
        blocks.Return(buffer);
        buffer = [];
    }
}
