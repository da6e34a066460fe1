using System.Data.Common;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Jobs.Imports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// The Audit Log download of an import (support and admin): CSV streamed straight to the response. The
/// whole job's (audit-12.csv), or with a batch number one batch's (job-12-batch-3-audit.csv).
/// The REST API's audit log download goes through the same two steps.
/// </summary>
[Authorize(Policy = Policies.CanDownload)]
public sealed class AuditLogModel(Database database, AuditLog auditLog) : ExpiringDownloadModel
{
    public async Task<IActionResult> OnGetAsync(long id, int? batchNo)
    {
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            if (!await ExistsAsync(connection, id, batchNo)) return NotFound();
            if (await Expiry.TextAsync(HttpContext, connection, id, JobTypes.Import, audit: true) is { } expired) return Gone(id, expired);
        }
        await HttpContext.RecordDownloadAsync(ActivityActions.DownloadAuditLog, id, batchNo is null ? null : $"batch {batchNo}");
        await WriteAsync(Response, auditLog, id, batchNo, HttpContext.RequestAborted);
        return new EmptyResult();
    }

    /// <summary>True when the job is an import (and has the batch, when one is named): it has an audit log.</summary>
    public static async Task<bool> ExistsAsync(DbConnection connection, long id, int? batchNo)
    {
        var jobType = await connection.QuerySingleOrDefaultAsync<string>("SELECT job_type FROM jobs WHERE id = @id", new { id });
        if (jobType != JobTypes.Import) return false;
        return batchNo is null || await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM batches WHERE job_id = @id AND batch_no = @batchNo", new { id, batchNo }) > 0;
    }

    /// <summary>The audit log as a CSV attachment, streamed to <paramref name="response"/>.</summary>
    public static async Task WriteAsync(HttpResponse response, AuditLog auditLog, long id, int? batchNo, CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.SetAttachment(batchNo is null ? $"audit-{id}.csv" : $"job-{id}-batch-{batchNo}-audit.csv");
        await auditLog.WriteCsvAsync(id, batchNo, response.Body, cancellationToken);
    }
}
