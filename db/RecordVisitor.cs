namespace JobTracker.Db;

/// <summary>One record as <see cref="DatabaseProvider.ReadRecords"/> hands it over: its key and its JSON, as UTF-8 lent for the call.</summary>
public delegate void RecordVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data);
