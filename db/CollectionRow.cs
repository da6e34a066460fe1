namespace JobTracker.Db;

public sealed record CollectionRow(long Id, long WorkspaceId, string Name, string? KeyField, string SchemaJson)
{
    public IReadOnlyList<SchemaField> Schema => CollectionSchema.Parse(SchemaJson);
}
