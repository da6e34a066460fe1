namespace JobTracker.Db;

public static class Roles
{
    public const string Admin = "admin";
    public const string Support = "support";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Support, Viewer];
}
