using JobTracker.Jobs.Storage;

namespace JobTracker.Jobs.Exports;

/// <summary>
/// An export cannot do its work (a batch file cannot be written, ...): the job FAILS with this reason, written
/// for a person and never naming a server path; the cause, if any, is for the log.
/// </summary>
public sealed class ExportFailedException(string message, Exception? inner = null) : Exception(message, inner)
{
    private const string CommittedStay = "Batch files committed before it stay;";

    /// <summary>The export's folder in storage could not be created.</summary>
    internal static ExportFailedException NoFolder(Exception cause) =>
        new("The export's folder could not be created in storage (the server log says why). Start the export again once storage is fixed.", cause);

    /// <summary>Storage is already below JobTracker:StorageMinFreeBytes: the batch file is not started.</summary>
    internal static ExportFailedException NoRoom(string fileName, long free, long reserve) =>
        new($"Not enough free space on the server to write the batch file {fileName}: {FileStore.FormatBytes(free)} free, and " +
            $"{FileStore.FormatBytes(reserve)} is kept free. {CommittedStay} ask an administrator to free space, then start the export again.");

    /// <summary>Writing the batch file failed: a full disk says so, anything else points to the log.</summary>
    internal static ExportFailedException NotWritten(string fileName, Exception cause) => new(
        StorageDisk.IsFull(cause)
            ? $"The server ran out of disk space while writing the batch file {fileName}. {CommittedStay} ask an administrator to free space, then start the export again."
            : $"The batch file {fileName} could not be written to storage (the server log says why). {CommittedStay} start the export again once storage is fixed.",
        cause);
}
