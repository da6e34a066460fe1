namespace JobTracker.Db;

public static class FieldTypes
{
    public const string String = "string";
    public const string Integer = "integer";
    public const string Decimal = "decimal";
    public const string Boolean = "boolean";
    public const string DateTime = "datetime";

    public static readonly string[] All = [String, Integer, Decimal, Boolean, DateTime];
}
