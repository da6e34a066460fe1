namespace JobTracker.Jobs.Files;

/// <summary>
/// One column of an imported file and the field it fills: a schema field, the key field, its own name (kept as
/// it comes, outside the schema), or none (<see cref="Field"/> null: the column is ignored).
/// </summary>
public sealed record MappedColumn(string Column, string? Field)
{
    /// <summary>"Customer ID → customerId", "Notes → ignored".</summary>
    public override string ToString() => $"{Column} → {Field ?? "ignored"}";
}
