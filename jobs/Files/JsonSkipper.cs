using System.Buffers;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Finds where a JSON value that starts (or is already open) ends, by its brackets and strings alone,
/// without tokenizing it or holding it: the bytes may come in pieces. Also measures how deep it nests
/// (the value itself counting 1). Used to step over a row that must not be read whole.
/// </summary>
internal sealed class JsonSkipper(int openDepth = 0)
{
    private static readonly SearchValues<byte> Structure = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> InString = SearchValues.Create("\"\\"u8);

    private int _depth = openDepth;
    private bool _inString, _escaped;

    /// <summary>The deepest nesting seen so far.</summary>
    public int MaxDepth { get; private set; } = openDepth;

    /// <summary>Scans the next piece: the index just past the value's closing bracket, or -1 when it is not in this piece.</summary>
    public int Scan(ReadOnlySpan<byte> piece)
    {
        int i = 0;
        while (i < piece.Length)
        {
            if (_escaped)
            {
                _escaped = false;
                i++;
                continue;
            }
            int k = piece[i..].IndexOfAny(_inString ? InString : Structure);
            if (k < 0) return -1;
            i += k;
            switch (piece[i])
            {
                case (byte)'\\': _escaped = true; break;
                case (byte)'"': _inString = !_inString; break;
                case (byte)'{' or (byte)'[':
                    if (++_depth > MaxDepth) MaxDepth = _depth;
                    break;
                default: // '}' or ']'
                    if (--_depth <= 0) return i + 1;
                    break;
            }
            i++;
        }
        return -1;
    }

    /// <summary>The end of the value starting at <paramref name="json"/>[0] and its depth; End is -1 when it is not closed.</summary>
    public static (int End, int Depth) Measure(ReadOnlySpan<byte> json)
    {
        var skipper = new JsonSkipper();
        int end = skipper.Scan(json);
        return (end, skipper.MaxDepth);
    }
}
