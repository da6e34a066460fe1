namespace JobTracker.Jobs.Storage;

/// <summary>
/// Thrown when an upload is refused (empty, over the limit, no room in storage); the message is for the user.
/// When storage itself failed, <see cref="Exception.InnerException"/> is the cause, for the log only.
/// </summary>
public sealed class UploadRejectedException(string message, Exception? cause = null) : Exception(message, cause)
{
    /// <summary>True when the file is over the upload limit (the REST API answers 413 for it).</summary>
    public bool IsTooLarge { get; init; }
}
