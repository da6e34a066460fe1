namespace JobTracker.Jobs.Exports;

/// <summary>An export cannot do its work (a batch file cannot be written, ...): the job FAILS with this reason, written for a person.</summary>
public sealed class ExportFailedException(string message, Exception? inner = null) : Exception(message, inner);
