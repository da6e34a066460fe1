using System.Text.Json;

namespace JobTracker.Jobs.Files;

/// <summary>The failures a row can have, and the columns a row may carry that are not its record's.</summary>
public sealed partial class RecordBuilder
{
    /// <summary>The <c>_csvSchema</c> mark of a column that is left out of the record.</summary>
    private const int IgnoredColumn = -2;

    /// <summary>
    /// The columns/fields a failed-rows file adds to each row (<c>_error_field</c>, <c>_error_message</c>): left out of
    /// the record, so that the fixed file can be uploaded again as it is. A key field or schema field of that name is not ignored.
    /// </summary>
    public bool IsIgnored(string name) =>
        name is "_error_field" or "_error_message" && name != _keyField && !_schemaIndex.ContainsKey(name);

    private bool IsIgnored(JsonProperty property) =>
        (property.NameEquals("_error_field"u8) || property.NameEquals("_error_message"u8)) && IsIgnored(property.Name);

    private RowFailure Required(int s) => new(_schema[s].Name, $"{_schema[s].Name} is required.");

    private static RowFailure GeneratedIdTaken(string what) =>
        new(GeneratedId, $"The field '{GeneratedId}' is reserved for the generated id in a collection without a key field; rename the {what}.");

    private RowFailure KeyEmpty() => new(_keyField, $"The key field {_keyField} is empty.");

    private RowFailure Mismatch(int s, string got, bool quote = true)
    {
        var f = _schema[s];
        if (quote) got = $"'{(got.Length > 40 ? got[..40] + "…" : got)}'";
        return new RowFailure(f.Name, _kinds[s] switch
        {
            Kind.Integer => $"{f.Name} must be a whole number; got {got}.",
            Kind.Decimal => $"{f.Name} must be a decimal number; got {got}.",
            Kind.Boolean => $"{f.Name} must be true or false (or yes/no, 1/0); got {got}.",
            Kind.DateTime => $"{f.Name} must be a date or date and time, like 2024-01-31 or 2024-01-31T14:30:00Z; got {got}.",
            _ => $"{f.Name} must be text; got {got}.",
        });
    }
}
