namespace JobTracker.Db;

/// <summary>One record for a <see cref="RecordWriter"/>: its key and its JSON as UTF-8.</summary>
public readonly record struct RecordWrite(string Key, ReadOnlyMemory<byte> Json);
