namespace JobTracker.Jobs.Files;

/// <summary>JSON Lines: every non-blank line is a row. Whether it is valid JSON is checked per row later.</summary>
internal sealed class JsonLinesScan(SliceList slices)
{
    private long _line = 1;
    private long _lineStart;
    private bool _hasContent;
    private byte _lastByte;   // last byte of the previous chunk, to spot a CR right before a chunk's first LF

    public void Scan(ReadOnlySpan<byte> chunk, long offset, int start)
    {
        if (start > 0) _lineStart = offset + start;
        int i = start;
        while (true)
        {
            int k = chunk[i..].IndexOf((byte)'\n');
            int stop = k < 0 ? chunk.Length : i + k;
            if (!_hasContent) _hasContent = chunk[i..stop].IndexOfAnyExcept(CheckedInput.Whitespace) >= 0;
            if (k < 0) break;

            long at = offset + stop;
            if (_hasContent)
            {
                byte before = stop > 0 ? chunk[stop - 1] : _lastByte;
                AddRow(before == '\r' ? at - 1 : at);
            }
            _line++;
            _lineStart = at + 1;
            _hasContent = false;
            i = stop + 1;
        }
        if (chunk.Length > 0) _lastByte = chunk[^1];
    }

    public void Finish(long fileLength)
    {
        if (_hasContent) AddRow(fileLength);
    }

    private void AddRow(long end)
    {
        slices.Begin(_lineStart, _line);
        slices.End(end);
    }
}
