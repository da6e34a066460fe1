using System.Buffers;

namespace JobTracker.Jobs.Files;

/// <summary>
/// The JSON of one batch's records packed into pooled 64 KiB blocks, rather than an array per record (the larger part
/// of what an import allocated once the fields stopped being strings). <see cref="Dispose"/> hands the blocks back to
/// the pool once the batch is written; its records' memory must not be read after that.
/// </summary>
public sealed class RecordArena : IDisposable
{
    private const int BlockSize = 64 * 1024;

    private readonly List<byte[]> _blocks = [];
    private byte[]? _current;
    private int _used;

    /// <summary>A copy of <paramref name="record"/>, in a block (a record over a quarter of one gets an array of its own).</summary>
    public ReadOnlyMemory<byte> Keep(ReadOnlySpan<byte> record)
    {
        if (record.Length > BlockSize / 4) return record.ToArray();
        if (_current is null || BlockSize - _used < record.Length)
        {
            _current = ArrayPool<byte>.Shared.Rent(BlockSize);
            _blocks.Add(_current);
            _used = 0;
        }
        record.CopyTo(_current.AsSpan(_used));
        var kept = new ReadOnlyMemory<byte>(_current, _used, record.Length);
        _used += record.Length;
        return kept;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) ArrayPool<byte>.Shared.Return(block);
        _blocks.Clear();
        _current = null;
    }
}
