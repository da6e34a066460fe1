using System.Text.Json;
using JobTracker.Db;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Which field each column of a CSV file fills, resolved once per file from its header (never per row).
/// A column gets, in this order: the field an admin chose for it on the mapping page (or "ignore"); the field
/// its name matches exactly; the field its name matches ignoring case, spaces and punctuation
/// (<see cref="ColumnName"/>), when that is one field only and no other column matches it better; otherwise
/// its own name, kept as it comes like any field outside the schema. Stored with the job (jobs.column_mapping,
/// <see cref="ToJson"/>) and shown on Job Details; a retry, an "Import for real" and a dry run use it as it is.
/// </summary>
public sealed class ColumnMapping
{
    private ColumnMapping(IReadOnlyList<MappedColumn> columns, string? problem)
    {
        Columns = columns;
        Problem = problem;
    }

    /// <summary>The file's columns in file order, each with the field it fills (null: ignored).</summary>
    public IReadOnlyList<MappedColumn> Columns { get; }

    /// <summary>
    /// Why the file cannot be imported with this mapping, in words for the user (two columns for one field,
    /// no column for the key field), or null.
    /// </summary>
    public string? Problem { get; }

    /// <summary>Per column, the field it fills or null (ignored): what <see cref="RecordBuilder"/> takes.</summary>
    public string?[] Targets => [.. Columns.Select(c => c.Field)];

    /// <summary>
    /// Resolves the mapping of a file's <paramref name="header"/> to a collection's fields.
    /// <paramref name="chosen"/> (optional) holds the columns an admin mapped by hand; a column it does not
    /// name gets the default matching.
    /// </summary>
    public static ColumnMapping Resolve(
        IReadOnlyList<string> header, IReadOnlyList<SchemaField> schema, string? keyField, IReadOnlyList<MappedColumn>? chosen = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(schema);
        var fields = FieldNames(schema, keyField);
        var exact = fields.ToHashSet(StringComparer.Ordinal);
        // A normalised name that two fields share (customerId and customer_id) matches neither: only exact names do.
        var normalised = fields.GroupBy(ColumnName.Normalise, StringComparer.Ordinal)
            .Where(g => g.Key.Length > 0 && g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single(), StringComparer.Ordinal);
        var byHand = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var column in chosen ?? []) byHand.TryAdd(column.Column, column.Field);

        var targets = new string?[header.Count];
        var resolved = new bool[header.Count];
        for (int i = 0; i < header.Count; i++)
        {
            if (byHand.TryGetValue(header[i], out var field)) (targets[i], resolved[i]) = (field, true);
            else if (exact.Contains(header[i])) (targets[i], resolved[i]) = (header[i], true);
        }
        var taken = targets.Where((t, i) => resolved[i] && t is not null).ToHashSet(StringComparer.Ordinal);
        string? problem = null;
        var candidates = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++)
        {
            if (resolved[i]) continue;
            targets[i] = header[i];
            if (header[i] is "_error_field" or "_error_message") continue; // a failed-rows file's own columns, never a field's
            if (normalised.TryGetValue(ColumnName.Normalise(header[i]), out var field) && !taken.Contains(field))
            {
                if (!candidates.TryGetValue(field, out var list)) candidates[field] = list = [];
                list.Add(i);
            }
        }
        foreach (var (field, list) in candidates)
        {
            if (list.Count == 1) targets[list[0]] = field;
            else problem ??= $"The columns {Quoted(header, list)} match the same field, {field} (ignoring case, spaces and punctuation): rename or remove all but one of them, or import with \"Review column mapping\" and choose a field for each.";
        }

        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count && problem is null; i++)
        {
            if (targets[i] is not { } target) continue;
            if (!first.TryAdd(target, i))
                problem = $"The columns '{header[first[target]]}' and '{header[i]}' are both mapped to the field {target}: map one of them to another field, or ignore it.";
        }
        if (problem is null && keyField is not null && !targets.Contains(keyField, StringComparer.Ordinal))
            problem = $"The file has no column '{keyField}', the key field of this collection.";
        return new ColumnMapping([.. header.Select((column, i) => new MappedColumn(column, targets[i]))], problem);
    }

    /// <summary>The fields a column can be mapped to: the schema's, then the key field when the schema does not have it.</summary>
    public static IReadOnlyList<string> FieldNames(IReadOnlyList<SchemaField> schema, string? keyField)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var names = schema.Select(f => f.Name).Distinct(StringComparer.Ordinal).ToList();
        if (keyField is not null && !names.Contains(keyField, StringComparer.Ordinal)) names.Insert(0, keyField);
        return names;
    }

    /// <summary>The required schema fields (and the key field) that no column fills: their rows will fail.</summary>
    public IReadOnlyList<string> Unfilled(IReadOnlyList<SchemaField> schema, string? keyField)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var filled = Columns.Where(c => c.Field is not null).Select(c => c.Field!).ToHashSet(StringComparer.Ordinal);
        return [.. FieldNames(schema, keyField).Where(f => (f == keyField || schema.Any(s => s.Name == f && s.Required)) && !filled.Contains(f))];
    }

    /// <summary>Throws the <see cref="Problem"/>, if any, as the reason the job's file cannot be imported.</summary>
    /// <exception cref="UnreadableFileException">The mapping has a problem.</exception>
    public ColumnMapping ThrowIfProblem() => Problem is null ? this : throw new UnreadableFileException(Problem);

    /// <summary>The columns as stored in jobs.column_mapping: <c>[{"column":"Customer ID","field":"customerId"},{"column":"Notes","field":null}]</c>.</summary>
    public static string ToJson(IEnumerable<MappedColumn> columns) =>
        JsonSerializer.Serialize(columns.Select(c => new StoredColumn(c.Column, c.Field)));

    /// <summary>The columns stored by <see cref="ToJson"/>; empty for null or unreadable text.</summary>
    public static IReadOnlyList<MappedColumn> FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            return [.. (JsonSerializer.Deserialize<StoredColumn[]>(json) ?? []).Where(c => c.column is not null).Select(c => new MappedColumn(c.column!, c.field))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Quoted(IReadOnlyList<string> header, List<int> columns) =>
        string.Join(" and ", columns.Select(i => $"'{header[i]}'"));

#pragma warning disable IDE1006 // the stored JSON's property names
    private sealed record StoredColumn(string? column, string? field);
#pragma warning restore IDE1006
}
