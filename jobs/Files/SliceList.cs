namespace JobTracker.Jobs.Files;

/// <summary>
/// Collects rows into slices of at most batchSize rows and at most maxBytes bytes: a slice ends when the
/// next row would break either limit. A row longer than maxBytes, or than maxRowBytes, is a slice of its
/// own (so <see cref="SliceReader"/> can fail a too-long row without reading it).
/// </summary>
internal sealed class SliceList(int batchSize, long maxBytes, long maxRowBytes)
{
    private readonly List<BatchSlice> _slices = [];
    private long _start, _end, _firstRow, _firstLine;
    private long _rowStart, _rowLine;
    private int _count;

    public long Rows { get; private set; }

    /// <summary>A row starts at this file offset, on this physical line.</summary>
    public void Begin(long start, long line)
    {
        _rowStart = start;
        _rowLine = line;
        Rows++;
    }

    /// <summary>The row begun last ends at this file offset (exclusive).</summary>
    public void End(long end)
    {
        long rowBytes = end - _rowStart;
        bool alone = rowBytes > maxBytes || rowBytes > maxRowBytes;
        if (_count > 0 && (_count >= batchSize || alone || end - _start > maxBytes)) Close();
        if (_count == 0)
        {
            _start = _rowStart;
            _firstRow = Rows;
            _firstLine = _rowLine;
        }
        _count++;
        _end = end;
        if (alone) Close();
    }

    public List<BatchSlice> Finish()
    {
        Close();
        return _slices;
    }

    private void Close()
    {
        if (_count > 0) _slices.Add(new BatchSlice(_slices.Count, _firstRow, _count, _start, _end - _start, _firstLine));
        _count = 0;
    }
}
