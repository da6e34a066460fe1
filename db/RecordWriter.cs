namespace JobTracker.Db;

/// <summary>Writes one collection's records in the connection's current transaction (see <see cref="DatabaseProvider.CreateRecordWriter"/>).</summary>
public abstract class RecordWriter : IDisposable
{
    /// <summary>Inserts the record (UTF-8 JSON) unless its key exists; true when it was inserted.</summary>
    public abstract bool InsertIfAbsent(string key, ReadOnlySpan<byte> utf8Json);

    /// <summary>Replaces an existing record's JSON and counts the write in its version.</summary>
    public abstract void Update(string key, ReadOnlySpan<byte> utf8Json);

    public abstract void Dispose();
}
