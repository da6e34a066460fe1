namespace JobTracker.Jobs.Files;

/// <summary>Collects rows into slices of batchSize rows.</summary>
internal sealed class SliceList(int batchSize)
{
    private readonly List<BatchSlice> _slices = [];
    private long _start, _end, _firstRow, _firstLine;
    private int _count;

    public long Rows { get; private set; }

    /// <summary>True when the next row opens a new slice (callers compute its line only then).</summary>
    public bool NextStartsSlice => _count == 0 || _count == batchSize;

    public void Begin(long start, long line)
    {
        if (NextStartsSlice)
        {
            Close();
            _start = start;
            _firstRow = Rows + 1;
            _firstLine = line;
        }
        Rows++;
        _count++;
    }

    public void End(long end) => _end = end;

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
