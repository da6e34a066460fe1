namespace JobTracker.Jobs.Files;

/// <summary>Why one row was not applied: the field at fault (if any) and a message for a person.</summary>
public sealed record RowFailure(string? Field, string Message);
