namespace JobTracker.Jobs.Activity;

/// <summary>
/// The actions the activity trail records, in the words the Activity page shows and filters by (and the API returns).
/// </summary>
public static class ActivityActions
{
    public const string SubmitImport = "Submit import";
    public const string SubmitDryRun = "Submit dry run";
    public const string ImportForReal = "Import for real";
    public const string Retry = "Retry failed rows";
    public const string SubmitExport = "Submit export";
    public const string StopJob = "Stop job";
    public const string JobFinished = "Job finished";

    public const string ScheduleCreate = "Create schedule";
    public const string ScheduleEdit = "Edit schedule";
    public const string SchedulePause = "Pause schedule";
    public const string ScheduleResume = "Resume schedule";
    public const string ScheduleRunNow = "Run schedule now";
    public const string ScheduleDelete = "Delete schedule";
    public const string ScheduleFire = "Scheduled fire";
    public const string ScheduleSkip = "Skipped fire";

    public const string WorkspaceCreate = "Create workspace";
    public const string WorkspaceEdit = "Edit workspace";
    public const string CollectionCreate = "Create collection";
    public const string CollectionEdit = "Edit collection";

    public const string UserCreate = "Create user";
    public const string UserRole = "Change role";
    public const string UserDisable = "Disable user";
    public const string UserEnable = "Enable user";
    public const string UserPasswordReset = "Reset password";
    public const string SignIn = "Sign in";
    public const string SignOut = "Sign out";
    public const string SessionEnd = "End session";
    public const string SignInFailed = "Failed sign-in";
    public const string Lockout = "Account locked";
    public const string PasswordChange = "Change password";
    public const string TimeZoneChange = "Change time zone";
    public const string TokenCreate = "Create API token";
    public const string TokenRevoke = "Revoke API token";

    public const string WebhookCreate = "Create webhook endpoint";
    public const string WebhookDelete = "Delete webhook endpoint";
    public const string WebhookRedeliver = "Redeliver webhook";

    public const string DownloadOriginal = "Download original file";
    public const string DownloadBatchFile = "Download batch file";
    public const string DownloadArchive = "Download archive";
    public const string DownloadAuditLog = "Download audit log";
    public const string DownloadFailedRows = "Download failed rows";

    public const string FilesExpired = "Files expired";
    public const string AuditLogExpired = "Audit log expired";
    public const string JobExpired = "Job expired";

    /// <summary>Every action, for the page's filter.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        SubmitImport, SubmitDryRun, ImportForReal, Retry, SubmitExport, StopJob, JobFinished,
        ScheduleCreate, ScheduleEdit, SchedulePause, ScheduleResume, ScheduleRunNow, ScheduleDelete, ScheduleFire, ScheduleSkip,
        WorkspaceCreate, WorkspaceEdit, CollectionCreate, CollectionEdit,
        UserCreate, UserRole, UserDisable, UserEnable, UserPasswordReset, SignIn, SignOut, SessionEnd, SignInFailed, Lockout,
        PasswordChange, TimeZoneChange, TokenCreate, TokenRevoke,
        WebhookCreate, WebhookDelete, WebhookRedeliver,
        DownloadOriginal, DownloadBatchFile, DownloadArchive, DownloadAuditLog, DownloadFailedRows,
        FilesExpired, AuditLogExpired, JobExpired,
    ];
}
