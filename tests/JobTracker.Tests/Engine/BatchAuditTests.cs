using JobTracker.Jobs.Imports;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The stored audit form: entries compressed while the batch is prepared, the written rows' created flags
/// added by the writer in front; and audit entries stored before the flags (gzip alone) still read the same.
/// </summary>
public sealed class BatchAuditTests
{
    private static List<(long Row, string? Key, string Outcome, string? Field, string? Message)> Read(byte[] stored)
    {
        using var stream = new MemoryStream(stored, writable: false);
        return BatchAudit.Read(stream).ToList();
    }

    [Theory]
    [InlineData(false, AuditLog.Created, AuditLog.Updated)]
    [InlineData(true, AuditLog.WouldCreate, AuditLog.WouldUpdate)]
    public void Written_rows_read_back_as_their_flags_say_between_failed_ones_in_row_order(bool dryRun, string created, string updated)
    {
        var audit = new BatchAudit();
        var flags = new List<bool>();
        var expected = new List<(long, string?, string, string?, string?)>();
        for (var row = 1L; row <= 21; row++)
        {
            if (row % 5 == 0)
            {
                audit.Add(row, row % 10 == 0 ? null : $"K{row}", AuditLog.Failed, "amount", $"'x{row}' is not a number.");
                expected.Add((row, row % 10 == 0 ? null : $"K{row}", AuditLog.Failed, "amount", $"'x{row}' is not a number."));
                continue;
            }
            var isNew = row % 3 != 0;
            audit.AddWritten(row, $"K{row}", dryRun);
            flags.Add(isNew);
            expected.Add((row, $"K{row}", isNew ? created : updated, null, null));
        }
        Assert.Equal(flags.Count, audit.WrittenRows);

        var stored = BatchAudit.Stored(audit.ToCompressed(), flags.ToArray());
        Assert.Equal((byte)'F', stored[0]);
        Assert.Equal(expected, Read(stored));
    }

    [Fact]
    public void Entries_stored_before_the_flags_read_as_they_always_did()
    {
        var audit = new BatchAudit();
        audit.Add(1, "A", AuditLog.Created);
        audit.Add(2, "B", AuditLog.Updated);
        audit.Add(3, null, AuditLog.Failed, "name", "The value is required.");
        audit.Add(4, "D", AuditLog.WouldCreate);
        var stored = audit.ToCompressed();
        Assert.Equal(0x1f, stored[0]); // gzip alone

        Assert.Equal(
            [(1L, "A", AuditLog.Created, null, null), (2L, "B", AuditLog.Updated, null, null),
             (3L, null, AuditLog.Failed, "name", "The value is required."), (4L, "D", AuditLog.WouldCreate, null, null)],
            Read(stored));
    }

    [Fact]
    public void A_batch_with_no_written_row_has_no_flags()
    {
        var audit = new BatchAudit();
        audit.Add(7, "G", AuditLog.Failed, "email", "Not an email address.");
        Assert.Equal([(7L, "G", AuditLog.Failed, "email", "Not an email address.")], Read(BatchAudit.Stored(audit.ToCompressed(), [])));
    }
}
