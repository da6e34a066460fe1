using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Reads the file in chunks and rejects what is not text: NUL bytes (binary), UTF-16, invalid UTF-8
/// (a sequence cut by a chunk boundary is carried over to the next chunk), and files with nothing but
/// whitespace. Reads return a full buffer except at the end of the file.
/// </summary>
internal sealed class CheckedInput(Stream stream, FileFormat format, CancellationToken cancellationToken)
{
    public static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    private readonly byte[] _carry = new byte[4];   // an incomplete UTF-8 sequence at the end of the last chunk
    private int _carryLength;
    private long _carryOffset;
    private long _newlines;                         // '\n' bytes before Position, for messages
    private bool _sawContent;

    public long Position { get; private set; }
    public int BomLength { get; private set; }

    public int Read(Span<byte> destination)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int n = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        var data = destination[..n];
        if (n == 0)
        {
            if (_carryLength > 0) throw NotUtf8(_carryOffset, _newlines + 1);
            if (!_sawContent) throw new UnreadableFileException("The file is empty.");
            return 0;
        }
        if (Position == 0)
        {
            if (data is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
                throw new UnreadableFileException("The file is UTF-16 text, not UTF-8. Save it as UTF-8 and upload it again.");
            if (data is [0xEF, 0xBB, 0xBF, ..]) BomLength = 3;
        }

        int zero = data.IndexOf((byte)0);
        if (zero >= 0)
            throw new UnreadableFileException(
                $"The file looks like a binary file, not {FileFormats.Label(format)} text (zero byte at byte offset {Position + zero}).");
        CheckUtf8(data);
        if (!_sawContent) _sawContent = data[(Position == 0 ? BomLength : 0)..].IndexOfAnyExcept(Whitespace) >= 0;
        _newlines += data.Count((byte)'\n');
        Position += n;
        return n;
    }

    private void CheckUtf8(ReadOnlySpan<byte> data)
    {
        int i = 0;
        if (_carryLength > 0)
        {
            int take = Math.Min(SequenceLength(_carry[0]) - _carryLength, data.Length);
            data[..take].CopyTo(_carry.AsSpan(_carryLength));
            _carryLength += take;
            i = take;
            var status = Rune.DecodeFromUtf8(_carry.AsSpan(0, _carryLength), out _, out _);
            if (status == OperationStatus.InvalidData) throw NotUtf8(_carryOffset, _newlines + 1);
            if (status == OperationStatus.NeedMoreData) return; // only when this read was tiny
            _carryLength = 0;
        }

        var rest = data[i..];
        int cut = IncompleteTail(rest);
        int bad = FirstInvalid(rest[..cut]);
        if (bad >= 0) throw NotUtf8(Position + i + bad, _newlines + data[..(i + bad)].Count((byte)'\n') + 1);
        rest[cut..].CopyTo(_carry);
        _carryLength = rest.Length - cut;
        _carryOffset = Position + i + cut;
    }

    private static UnreadableFileException NotUtf8(long offset, long line) =>
        new($"The file is not UTF-8 text: invalid byte at line {line} (byte offset {offset}). Save it as UTF-8 and upload it again.");

    private static int SequenceLength(byte lead) => lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

    /// <summary>Where a multi-byte sequence that the chunk cuts short starts, or the chunk's length.</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> s)
    {
        for (int j = s.Length - 1; j >= Math.Max(0, s.Length - 3); j--)
        {
            byte b = s[j];
            if ((b & 0xC0) == 0x80) continue; // continuation byte: look further back for the lead byte
            return b >= 0xC0 && j + SequenceLength(b) > s.Length ? j : s.Length;
        }
        return s.Length;
    }

    private static int FirstInvalid(ReadOnlySpan<byte> s)
    {
        if (Utf8.IsValid(s)) return -1;
        int i = 0;
        while (true)
        {
            int k = s[i..].IndexOfAnyInRange((byte)0x80, (byte)0xFF);
            if (k < 0) return -1;
            i += k;
            if (Rune.DecodeFromUtf8(s[i..], out _, out int length) != OperationStatus.Done) return i;
            i += length;
        }
    }
}
