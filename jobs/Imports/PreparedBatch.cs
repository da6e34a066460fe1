using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// A batch whose rows are validated and built, ready to be written: the records to write in file order, how
/// many rows failed, and the batch's audit entries already compressed (<see cref="BatchAudit"/>; the writer adds
/// which written rows were new). <see cref="Bytes"/> is the size of its records' JSON, which lives in <see cref="Arena"/>
/// until the batch is written.
/// </summary>
internal sealed record PreparedBatch(BatchRow Batch, List<RecordWrite> Writes, int RowCount, int FailedRows, byte[] Audit, long Bytes, RecordArena Arena);
