using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Logging;

namespace JobTracker.Jobs.Exports;

/// <summary>
/// Writes one export batch file: streams the batch's key range, each record's stored JSON as it is,
/// into a temp file and checks that it holds the snapshot's number of records. Each call reads on the
/// connection it is given, so several batches of one export can be written at once, each on its own
/// connection (<see cref="ExportWork"/> commits them in batch order).
/// </summary>
internal sealed class ExportBatchWriter(Database database, FileStore files, ILogger logger)
{
    private const int CancellationCheckEvery = 1024;

    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static ReadOnlySpan<byte> GeneratedIdFieldUtf8 => "_id"u8;

    private readonly WriteBlocks blocks = new();

    /// <summary>{"_id":" - the start of a record of a collection without a key field (see <see cref="ExportWork.GeneratedIdField"/>).</summary>
    private static ReadOnlySpan<byte> GeneratedIdOpening => "{\"_id\":\""u8;

    /// <summary>
    /// Streams the batch's records to <paramref name="tempPath"/>, fsynced when <paramref name="durable"/>
    /// (Folder storage: the file is moved into place next), and returns the file's size. Fails the job
    /// when the batch does not hold the snapshot's number of records, or the file cannot be written.
    /// </summary>
    public long Write(
        DbConnection connection, CollectionRow collection, BatchRow batch, string tempPath, bool durable, string fileName, CancellationToken cancellationToken)
    {
        if (files.Disk.AvailableFreeSpace(Path.GetDirectoryName(tempPath)!) is { } free && free < files.MinFreeBytes)
            throw ExportFailedException.NoRoom(fileName, free, files.MinFreeBytes);
        try
        {
            int written;
            long size;
            using (var file = files.Disk.Create(tempPath, FileMode.Create, bufferSize: 0, asynchronous: false))
            using (var output = new Utf8FileWriter(file, blocks, startWriteback: durable))
            {
                written = batch.RowCount == 0 && batch.FirstKey is null
                    ? WriteEmptyArray(output)
                    : WriteRecords(connection, collection, batch, output, cancellationToken);
                output.Flush();
                size = output.BytesWritten;
                file.Flush(flushToDisk: durable);
            }
            if (written != batch.RowCount)
            {
                throw new ExportFailedException(
                    $"The collection changed while it was exported: batch {batch.BatchNo} should hold {batch.RowCount:N0} records and holds {written:N0}. " +
                    "Batch files committed before it stay; start the export again.");
            }
            cancellationToken.ThrowIfCancellationRequested();
            return size;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritten(fileName, ex);
        }
    }

    /// <summary>The job fails with a reason for the user; the cause (with its server path) goes to the log only.</summary>
    public ExportFailedException NotWritten(string fileName, Exception ex)
    {
        logger.LogWarning(ex, "Batch file {FileName} could not be written", fileName);
        return ExportFailedException.NotWritten(fileName, ex);
    }

    private static int WriteEmptyArray(Utf8FileWriter output)
    {
        output.Write("[]\n"u8);
        return 0;
    }

    /// <summary>[ then one record a line, separated by commas, then ]: each record's stored JSON as it is.</summary>
    private int WriteRecords(DbConnection connection, CollectionRow collection, BatchRow batch, Utf8FileWriter output, CancellationToken cancellationToken)
    {
        var addGeneratedId = collection.KeyField is null;
        var written = 0;
        output.Write("["u8);
        database.Provider.ReadRecords(connection, collection.Id, batch.FirstKey!, batch.LastKey!, (key, data) =>
        {
            if (written % CancellationCheckEvery == 0) cancellationToken.ThrowIfCancellationRequested();
            output.Write(written == 0 ? "\n"u8 : ",\n"u8);
            if (addGeneratedId && !HasTopLevelField(data, GeneratedIdFieldUtf8))
            {
                output.Write(GeneratedIdOpening);
                output.Write(JsonEncodedText.Encode(key, Encoder).EncodedUtf8Bytes);
                output.Write("\""u8);
                // The stored object without its opening brace: {"_id":"…" + ,"name":… } (or just } when empty).
                var rest = data[1..].TrimStart(" \t\r\n"u8);
                if (rest.Length > 0 && rest[0] != (byte)'}') output.Write(","u8);
                output.Write(rest);
            }
            else
            {
                output.Write(data);
            }
            written++;
        });
        output.Write(written == 0 ? "]\n"u8 : "\n]\n"u8);
        return written;
    }

    /// <summary>Whether a JSON object has a field of this name at its top level.</summary>
    private static bool HasTopLevelField(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        if (json.IndexOf(name) < 0) return false;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name)) return true;
            reader.Skip();
        }
        return false;
    }
}
