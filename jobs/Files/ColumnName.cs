namespace JobTracker.Jobs.Files;

/// <summary>
/// How a file's column name matches a field by default when it does not match it exactly: ignoring case,
/// spaces and punctuation, so that <c>Customer ID</c>, <c>customer_id</c> and <c>CUSTOMER-ID</c> all match
/// <c>customerId</c>.
/// </summary>
public static class ColumnName
{
    /// <summary>The name's letters and digits, in lower case (invariant culture): "Customer ID" → "customerid".</summary>
    public static string Normalise(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Create(name.Count(char.IsLetterOrDigit), name, static (span, source) =>
        {
            int n = 0;
            foreach (var c in source)
                if (char.IsLetterOrDigit(c)) span[n++] = char.ToLowerInvariant(c);
        });
    }

    /// <summary>Whether a column name matches a field name, exactly or once normalised (a name of no letters or digits matches only exactly).</summary>
    public static bool Matches(string column, string field) =>
        column == field || (Normalise(column) is { Length: > 0 } normalised && normalised == Normalise(field));
}
