using JobTracker.Jobs.Users;

namespace JobTracker.Web.Hosting;

/// <summary>The live session of the signed-in user, as the cookie check found it for this request.</summary>
public static class CurrentSession
{
    private static readonly object Key = new();

    /// <summary>The request's live session; null when nobody is signed in.</summary>
    public static LiveSession? SignInSession(this HttpContext context) => context.Items.TryGetValue(Key, out var session) ? session as LiveSession : null;

    internal static void SetSession(this HttpContext context, LiveSession session) => context.Items[Key] = session;
}
