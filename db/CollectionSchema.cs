namespace JobTracker.Db;

public static class CollectionSchema
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IReadOnlyList<SchemaField> Parse(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<SchemaField>>(json, Options) ?? [];

    public static string Serialize(IEnumerable<SchemaField> fields) =>
        System.Text.Json.JsonSerializer.Serialize(fields, Options);
}
