using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using nietras.SeparatedValues;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// The optional mapping step of an import ("Review column mapping"): the upload is stored with no job yet
/// (<see cref="StoreAsync"/>), its first rows are shown with a field per column (<see cref="PreviewAsync"/>), and
/// the admin either confirms the mapping, which queues the import with it (<see cref="ConfirmAsync"/>), or cancels,
/// which deletes the file (<see cref="CancelAsync"/>). A file nobody confirms or cancels is an unreferenced stored
/// file: the storage sweep removes it once it is JobTracker:OrphanFileAge old, like any upload whose job never came.
/// CSV files only: a JSON or JSON Lines file's fields are named per object, and match by the default matching.
/// </summary>
public sealed class MappingStep(
    Database database, FileStore files, ImportSubmission imports, IOptions<EngineOptions> options, ILogger<MappingStep> logger)
{
    /// <summary>How many data rows the mapping page shows.</summary>
    public const int PreviewRows = 5;

    /// <summary>At most this much of the file is read for the preview (rows of megabytes, or a quote never closed).</summary>
    private const long PreviewBytes = 8L << 20;

    /// <summary>A preview cell longer than this is cut, with an ellipsis.</summary>
    private const int PreviewCellChars = 200;

    internal const string FileGone = "This file is no longer waiting for its column mapping: it was imported, cancelled, or left too long. Upload it again.";

    /// <summary>
    /// Stores an upload (as <see cref="ImportSubmission.SubmitAsync(long, Stream, string, string, CancellationToken, long?, bool, long?, string?, ActivityActor?)"/>
    /// does, with the same limits and refusals) without queueing its import, and returns its stored file id.
    /// </summary>
    /// <exception cref="UploadRejectedException">The file cannot be imported; the message says why.</exception>
    public async Task<long> StoreAsync(Stream content, string fileName, string initiatedBy, long? declaredBytes, CancellationToken cancellationToken = default)
    {
        if (fileName.Length == 0) throw new UploadRejectedException("Choose a file to import.");
        if (FileFormats.FromFileName(fileName) is not { } format) throw new UploadRejectedException("Only .csv, .json and .jsonl files can be imported.");
        if (format != FileFormat.Csv)
            throw new UploadRejectedException("Review column mapping is for CSV files. JSON and JSON Lines files are imported with their field names as they are: clear the box to import this file.");
        var fileId = await files.SaveAsync(content, fileName, options.Value.MaxUploadBytes, declaredBytes,
            (_, _, file) => Task.FromResult(file.Id), cancellationToken);
        logger.LogInformation("{UserName} stored {FileName} (file {FileId}) to review its column mapping", initiatedBy, fileName, fileId);
        return fileId;
    }

    /// <summary>
    /// The stored file's header, its first <see cref="PreviewRows"/> data rows and the mapping the default matching
    /// gives them (with <paramref name="chosen"/> columns as chosen), or null when the file is no longer waiting.
    /// </summary>
    public async Task<MappingPreview?> PreviewAsync(
        long fileId, CollectionRow collection, IReadOnlyList<MappedColumn>? chosen = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        if (!await IsWaitingAsync(fileId, cancellationToken)) return null;
        var opened = await files.OpenReadAsync(fileId, cancellationToken);
        if (opened is not var (content, file)) return null;
        await using (content)
        {
            var (header, rows, problem) = ReadStart(content, ImportLimits.From(options.Value).MaxColumns);
            if (problem is not null) return new MappingPreview(file.FileName, [], [], null, problem);
            var mapping = ColumnMapping.Resolve(header, collection.Schema, collection.KeyField, chosen);
            return new MappingPreview(file.FileName, header, rows, mapping, mapping.Problem);
        }
    }

    /// <summary>
    /// Queues the import of the stored file with the admin's mapping (every column of its header, each with a field
    /// or null for "ignore") and returns the job id.
    /// </summary>
    /// <exception cref="ChangeRefusedException">The mapping cannot be used (two columns for one field, no column for the
    /// key field), or the file is no longer waiting.</exception>
    public async Task<long> ConfirmAsync(
        long collectionId, long fileId, IReadOnlyList<MappedColumn> chosen, bool dryRun, string initiatedBy, CancellationToken cancellationToken = default,
        ActivityActor? actor = null)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        CollectionRow? collection;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            collection = await connection.QuerySingleOrDefaultAsync<CollectionRow>(
                "SELECT id AS Id, workspace_id AS WorkspaceId, name AS Name, key_field AS KeyField, schema_json AS SchemaJson FROM collections WHERE id = @collectionId",
                new { collectionId });
        }
        if (collection is null) throw new ChangeRefusedException("collection", $"Collection {collectionId} does not exist.");
        var preview = await PreviewAsync(fileId, collection, chosen, cancellationToken) ?? throw new ChangeRefusedException("file", FileGone);
        if (preview.Mapping is not { } mapping) throw new ChangeRefusedException("file", preview.Problem ?? FileGone);
        if (mapping.Problem is { } problem) throw new ChangeRefusedException("mapping", problem);
        return await imports.SubmitPendingAsync(collectionId, fileId, ColumnMapping.ToJson(mapping.Columns), dryRun, initiatedBy, cancellationToken, actor);
    }

    /// <summary>Deletes the stored file if it is still waiting for its mapping; false when it was not (imported, or gone).</summary>
    public async Task<bool> CancelAsync(long fileId, string initiatedBy, CancellationToken cancellationToken = default)
    {
        var deleted = await files.DeleteUnreferencedAsync(fileId, cancellationToken);
        if (deleted) logger.LogInformation("{UserName} cancelled the column mapping of file {FileId}: the file was deleted", initiatedBy, fileId);
        return deleted;
    }

    private async Task<bool> IsWaitingAsync(long fileId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            SELECT COUNT(*) FROM stored_files f
             WHERE f.id = @fileId AND f.size_bytes > 0
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_file_id = f.id)
               AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.file_id = f.id)
            """, new { fileId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// The header and first data rows, read with Sep as the import reads them (blank lines skipped); or why the
    /// header cannot be used, in the words the import would fail with.
    /// </summary>
    private static (string[] Header, List<string[]> Rows, string? Problem) ReadStart(Stream content, int maxColumns)
    {
        using var start = new SliceStream(content, PreviewBytes);
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).From(start);
        string[]? header = null;
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            if (row.ColCount == 1 && row[0].Span.Length == 0) continue;
            var cells = row[0..row.ColCount].ToStringsArray();
            if (header is null)
            {
                if (cells.Length > 0 && cells[0].StartsWith('\uFEFF')) cells[0] = cells[0][1..];
                header = cells;
                continue;
            }
            rows.Add([.. cells.Select(c => c.Length > PreviewCellChars ? c[..PreviewCellChars] + "…" : c)]);
            if (rows.Count == PreviewRows) break;
        }
        if (header is null) return ([], rows, "The file is empty.");
        if (header.Length > maxColumns)
            return ([], [], $"The header has {header.Length:N0} columns; the limit is {maxColumns:N0} (JobTracker:MaxColumns).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in header)
        {
            if (name.Length == 0) return (header, rows, "The header has an empty column name. Give every column a name.");
            if (!seen.Add(name)) return (header, rows, $"The header has the column name '{name}' twice. Column names must be unique.");
        }
        return (header, rows, null);
    }
}
