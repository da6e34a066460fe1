using JobTracker.Db;

namespace JobTracker.Jobs.Catalog;

/// <summary>
/// What a record collection is made of, as the user typed it: a name, an optional key field and
/// the schema's fields in order. <see cref="CollectionEditor"/> trims and checks it.
/// </summary>
public sealed record CollectionSettings(string? Name, string? KeyField, IReadOnlyList<SchemaField> Schema);
