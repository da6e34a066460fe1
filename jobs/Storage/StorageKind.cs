namespace JobTracker.Jobs.Storage;

/// <summary>
/// Where a stored file's content lives: JobTracker:Storage for new files, stored_files.storage_kind
/// for each file (so files stored before a switch still open).
/// </summary>
public enum StorageKind
{
    /// <summary>A file under JobTracker:StoragePath, named by stored_files.storage_name: every node must mount the same folder.</summary>
    Folder,

    /// <summary>Chunks of <see cref="DatabaseContent.ChunkSize"/> bytes in stored_file_chunks: every node on the database reads them.</summary>
    Database,
}
