using System.Data.Common;

namespace JobTracker.Db;

/// <summary>
/// Writes one collection's records for the import (see <see cref="DatabaseProvider.CreateRecordWriter"/>):
/// its hot path, so each provider writes a batch its fastest way (prepared statements, a bulk copy).
/// </summary>
public abstract class RecordWriter : IDisposable
{
    /// <summary>
    /// Writes <paramref name="records"/> in the given transaction, as if one by one in order: a key not
    /// stored yet is inserted, a stored one has its JSON replaced and its version counted up. A key that
    /// appears twice is written twice (the later JSON wins; the second write is an update). Sets
    /// <paramref name="created"/>[i] when records[i] inserted its key, and clears it when it updated.
    /// </summary>
    public abstract Task WriteAsync(IReadOnlyList<RecordWrite> records, bool[] created, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract void Dispose();
}
