using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Storage;
using Microsoft.Extensions.Options;

namespace JobTracker.Jobs.Imports;

/// <summary>Creates import jobs. The web request ends here; a worker picks the job up from the table.</summary>
public sealed class ImportSubmission(Database database, IOptions<EngineOptions> options, WorkerNudge nudge)
{
    /// <summary>Queues an import of an already stored file into a collection and returns the job id.</summary>
    public async Task<long> SubmitAsync(long collectionId, StoredFile file, FileFormat format, string initiatedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobId = await connection.ExecuteScalarAsync<long>(
            database.Provider.InsertReturningId(
                "jobs",
                "collection_id, job_type, file_name, file_format, source_file_id, status, initiated_by, batch_size, created_at",
                "@CollectionId, 'Import', @FileName, @Format, @FileId, @Status, @InitiatedBy, @BatchSize, @Now"),
            new
            {
                CollectionId = collectionId,
                FileName = file.FileName,
                Format = format.ToString(),
                FileId = file.Id,
                Status = Status.Queued,
                InitiatedBy = initiatedBy,
                options.Value.BatchSize,
                Now = DateTime.UtcNow,
            });
        await nudge.WakeAsync(cancellationToken);
        return jobId;
    }
}
