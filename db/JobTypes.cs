namespace JobTracker.Db;

public static class JobTypes
{
    public const string Import = "Import";
    public const string Export = "Export";
}
