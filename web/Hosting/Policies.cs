namespace JobTracker.Web.Hosting;

/// <summary>
/// What each role may do. Everyone signed in sees every page (the fallback policy);
/// support staff may also download audit logs and original files; admins may change things.
/// </summary>
public static class Policies
{
    /// <summary>Import, stop jobs, create and edit workspaces and collections, manage users: admin.</summary>
    public const string CanChange = "CanChange";

    /// <summary>Download audit logs and original files: admin and support (not viewer).</summary>
    public const string CanDownload = "CanDownload";
}
