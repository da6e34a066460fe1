namespace JobTracker.Jobs.Users;

/// <summary>Settings of sign-in, sessions and passwords, bound from configuration section "JobTracker:SignIn".</summary>
public sealed class SignInSettings
{
    public const string Section = "JobTracker:SignIn";

    /// <summary>Sign-in attempts (form posts) one client address may make per <see cref="Window"/>; more are refused with 429.</summary>
    public int ClientPermits { get; set; } = 20;

    /// <summary>Sign-in attempts for one user name (any client) per <see cref="Window"/>; more are refused with 429.</summary>
    public int UserNamePermits { get; set; } = 10;

    /// <summary>The window of both sign-in rate limits (a fixed window).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wrong passwords in a row that lock a user's account (0: never locked).</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>How long a locked account stays locked; no password is checked for it until then.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A session not used for this long has ended (also the sign-in cookie's sliding lifetime).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A session's last-seen time is written at most this often, not on every request.</summary>
    public TimeSpan SessionTouchInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a node takes a session it found live as live, before it reads the sessions table for it again (0: every
    /// request reads it). A change made on the same node (sign-out, an ended session, a disabled user, a new role) takes
    /// effect at once; one made on another node within this time.
    /// </summary>
    public TimeSpan SessionRecheck { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The fewest characters a new password may have (add a user, reset, change your own).</summary>
    public int MinimumPasswordLength { get; set; } = 12;
}
