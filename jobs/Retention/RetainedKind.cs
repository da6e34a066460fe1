namespace JobTracker.Jobs.Retention;

/// <summary>What of a job expires on its own clock (<see cref="RetentionOptions"/>).</summary>
public enum RetainedKind
{
    /// <summary>An import's uploaded (original) file.</summary>
    UploadedFile,

    /// <summary>An export's batch files (and so its archive).</summary>
    ExportFiles,

    /// <summary>An import's audit log (and so its failed-rows file).</summary>
    AuditLog,

    /// <summary>The finished job itself.</summary>
    Job,
}
