using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The audit entries of one batch. Stored compact (binary, gzip) rather than as CSV: rendering CSV
/// costs more than the batch's writes are worth, so it waits for the download.
/// <para>
/// The entries are collected and compressed while the batch is prepared, on the reading thread, before
/// anything is written: a written row's entry then says only "created or updated, see the flags". The
/// writer, which alone learns which keys were new, adds one bit per written row in front
/// (<see cref="Stored"/>): the writing thread, which bounds the import, no longer compresses.
/// </para>
/// <para>
/// Stored form: <c>'F'</c>, the number of flags (int32, little endian), the flags (one bit per written
/// row, in row order, set when the row created its record), then the gzip-compressed entries. Entries
/// stored before this form (gzip alone, starting 0x1f) read as they always did.
/// </para>
/// </summary>
public sealed class BatchAudit
{
    private static readonly string[] Outcomes = [AuditLog.Created, AuditLog.Updated, AuditLog.Failed, AuditLog.NotApplied, AuditLog.WouldCreate, AuditLog.WouldUpdate];

    /// <summary>The outcome code of a written row: Created or Updated by its flag.</summary>
    private const byte Written = 254;

    /// <summary>The outcome code of a dry run's row: Would create or Would update by its flag.</summary>
    private const byte WouldWrite = 253;

    private const byte FlaggedForm = (byte)'F';

    private readonly MemoryStream buffer = new();
    private readonly BinaryWriter writer;

    public BatchAudit() => writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);

    /// <summary>How many written rows were added (<see cref="AddWritten"/>): the flags <see cref="Stored"/> takes.</summary>
    public int WrittenRows { get; private set; }

    public void Add(long row, string? key, string outcome, string? field = null, string? message = null) =>
        Add(row, (byte)Array.IndexOf(Outcomes, outcome), key, field, message);

    /// <summary>A row that will be written: created or updated (would be, in a dry run) as its flag will say.</summary>
    public void AddWritten(long row, string key, bool dryRun)
    {
        WrittenRows++;
        Add(row, dryRun ? WouldWrite : Written, key, null, null);
    }

    private void Add(long row, byte outcome, string? key, string? field, string? message)
    {
        writer.Write(row);
        writer.Write(outcome);
        WriteText(key);
        WriteText(field);
        WriteText(message);
    }

    private void WriteText(string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    /// <summary>The entries gzip-compressed (as stored before the flags, and inside the flagged form).</summary>
    public byte[] ToCompressed()
    {
        writer.Flush();
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        return output.ToArray();
    }

    /// <summary>
    /// What audit_entries stores: the flags of the written rows (<paramref name="created"/>, one per
    /// <see cref="AddWritten"/>, in order) in front of the <paramref name="compressed"/> entries.
    /// </summary>
    public static byte[] Stored(byte[] compressed, ReadOnlySpan<bool> created)
    {
        var flagBytes = (created.Length + 7) / 8;
        var stored = new byte[1 + 4 + flagBytes + compressed.Length];
        stored[0] = FlaggedForm;
        BinaryPrimitives.WriteInt32LittleEndian(stored.AsSpan(1), created.Length);
        for (var i = 0; i < created.Length; i++)
            if (created[i]) stored[5 + i / 8] |= (byte)(1 << (i % 8));
        compressed.CopyTo(stored, 5 + flagBytes);
        return stored;
    }

    /// <summary>Reads stored entries back, in the order they were added.</summary>
    public static IEnumerable<(long Row, string? Key, string Outcome, string? Field, string? Message)> Read(Stream stored)
    {
        byte[]? flags = null;
        var flagCount = 0;
        if (stored.ReadByte() is var first && first == FlaggedForm)
        {
            Span<byte> count = stackalloc byte[4];
            stored.ReadExactly(count);
            flagCount = BinaryPrimitives.ReadInt32LittleEndian(count);
            flags = new byte[(flagCount + 7) / 8];
            stored.ReadExactly(flags);
        }
        else if (first >= 0)
        {
            stored.Seek(-1, SeekOrigin.Current); // gzip alone: the form before the flags
        }
        return ReadEntries(stored, flags, flagCount);
    }

    private static IEnumerable<(long Row, string? Key, string Outcome, string? Field, string? Message)> ReadEntries(Stream stored, byte[]? flags, int flagCount)
    {
        using var gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new BinaryReader(gzip, Encoding.UTF8);
        var written = 0;
        while (true)
        {
            long row;
            try { row = reader.ReadInt64(); }
            catch (EndOfStreamException) { yield break; }
            var code = reader.ReadByte();
            string outcome;
            if (code is Written or WouldWrite)
            {
                if (flags is null || written >= flagCount) throw new InvalidDataException("An audit entry has no flag for its written row.");
                var created = (flags[written / 8] & (1 << (written % 8))) != 0;
                written++;
                outcome = code == Written
                    ? created ? AuditLog.Created : AuditLog.Updated
                    : created ? AuditLog.WouldCreate : AuditLog.WouldUpdate;
            }
            else
            {
                outcome = Outcomes[code];
            }
            yield return (row, ReadText(reader), outcome, ReadText(reader), ReadText(reader));
        }
    }

    private static string? ReadText(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
