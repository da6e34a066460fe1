namespace JobTracker.Jobs.Storage;

/// <summary>A file in storage: its stored_files id, the user's file name (only ever data) and its size.</summary>
public sealed record StoredFile(long Id, string FileName, long SizeBytes);
