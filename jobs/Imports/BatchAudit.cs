using System.IO.Compression;
using System.Text;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The audit entries of one batch, collected while the batch writes. Stored compact (binary,
/// gzip) rather than as CSV: rendering CSV costs more than the batch's writes are worth, so it
/// waits for the download.
/// </summary>
public sealed class BatchAudit
{
    private static readonly string[] Outcomes = [AuditLog.Created, AuditLog.Updated, AuditLog.Failed, AuditLog.NotApplied, AuditLog.WouldCreate, AuditLog.WouldUpdate];

    private readonly MemoryStream buffer = new();
    private readonly BinaryWriter writer;

    public BatchAudit() => writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);

    public void Add(long row, string? key, string outcome, string? field = null, string? message = null)
    {
        writer.Write(row);
        writer.Write((byte)Array.IndexOf(Outcomes, outcome));
        WriteText(key);
        WriteText(field);
        WriteText(message);
    }

    private void WriteText(string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    /// <summary>The entries gzip-compressed, as stored in audit_entries.</summary>
    public byte[] ToCompressed()
    {
        writer.Flush();
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        return output.ToArray();
    }

    /// <summary>Reads stored entries back, in the order they were added.</summary>
    public static IEnumerable<(long Row, string? Key, string Outcome, string? Field, string? Message)> Read(Stream compressed)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new BinaryReader(gzip, Encoding.UTF8);
        while (true)
        {
            long row;
            try { row = reader.ReadInt64(); }
            catch (EndOfStreamException) { yield break; }
            var outcome = Outcomes[reader.ReadByte()];
            yield return (row, ReadText(reader), outcome, ReadText(reader), ReadText(reader));
        }
    }

    private static string? ReadText(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
