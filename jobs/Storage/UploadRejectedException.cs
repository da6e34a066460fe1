namespace JobTracker.Jobs.Storage;

/// <summary>Thrown when an upload is refused (empty, over the limit); the message is for the user.</summary>
public sealed class UploadRejectedException(string message) : Exception(message);
