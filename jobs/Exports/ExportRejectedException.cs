namespace JobTracker.Jobs.Exports;

/// <summary>Thrown when an export cannot be queued as asked (a bad export name); the message is for the user.</summary>
public sealed class ExportRejectedException(string message) : Exception(message);
