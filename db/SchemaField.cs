namespace JobTracker.Db;

/// <summary>One field of a collection's schema (stored as JSON in collections.schema_json).</summary>
public sealed record SchemaField(string Name, string Type, bool Required);
