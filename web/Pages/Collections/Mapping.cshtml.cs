using System.Globalization;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The mapping step of an import ("Review column mapping" on the import form): the stored file's first rows,
/// and per column a select of the field it fills, or "ignore", preselected by the default matching
/// (<see cref="ColumnMapping"/>); warnings for required fields no column fills. Confirm queues the import with
/// that mapping (<see cref="MappingStep.ConfirmAsync"/>); Cancel deletes the stored file.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class MappingModel(Database database, MappingStep mappingStep) : PageModel
{
    /// <summary>A select's value for "ignore this column".</summary>
    public const string Ignore = "ignore";

    /// <summary>A select's value for "keep this column as it comes, under its own name" (outside the schema).</summary>
    public const string Keep = "keep";

    /// <summary>The prefix of a select's value naming a field: "field:customerId".</summary>
    public const string FieldPrefix = "field:";

    public CollectionHeading Collection { get; private set; } = new();

    public long FileId { get; private set; }

    public bool DryRun { get; private set; }

    public MappingPreview? Preview { get; private set; }

    /// <summary>The fields a column can fill: the schema's, and the key field.</summary>
    public IReadOnlyList<string> Fields { get; private set; } = [];

    /// <summary>Required fields (and the key field) that no column fills with the mapping shown.</summary>
    public IReadOnlyList<string> Unfilled { get; private set; } = [];

    public string? KeyField => Collection.KeyField;

    /// <summary>Why the mapping was refused, or why the file cannot be mapped, in words for the user.</summary>
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, long fileId, bool dryRun = false) =>
        await LoadAsync(id, fileId, dryRun, null) ?? Page();

    public async Task<IActionResult> OnPostConfirmAsync(long id, long fileId, bool dryRun = false)
    {
        var cancellationToken = HttpContext.RequestAborted;
        var notFound = await LoadAsync(id, fileId, dryRun, null);
        if (notFound is not null || Preview is not { Mapping: not null } preview) return notFound ?? Page();
        var chosen = new List<MappedColumn>();
        for (int i = 0; i < preview.Header.Count; i++)
        {
            var column = preview.Header[i];
            string value = Request.Form[$"column{i.ToString(CultureInfo.InvariantCulture)}"].ToString();
            chosen.Add(value switch
            {
                Ignore => new MappedColumn(column, null),
                Keep => new MappedColumn(column, column),
                _ when value.StartsWith(FieldPrefix, StringComparison.Ordinal) && Fields.Contains(value[FieldPrefix.Length..]) =>
                    new MappedColumn(column, value[FieldPrefix.Length..]),
                _ => preview.Mapping.Columns[i], // no choice sent: the default
            });
        }
        try
        {
            var jobId = await mappingStep.ConfirmAsync(id, fileId, chosen, dryRun, User.Identity?.Name ?? "unknown", cancellationToken, HttpContext.Actor());
            return this.RedirectOrHxRedirect(Url.Page("/Jobs/Details", new { id = jobId })!);
        }
        catch (ChangeRefusedException refused)
        {
            // Shown again with the admin's choices and the reason, to fix.
            return await LoadAsync(id, fileId, dryRun, chosen) ?? RefusedPage(refused.Message);
        }
    }

    public async Task<IActionResult> OnPostCancelAsync(long id, long fileId)
    {
        await using (var connection = await database.OpenAsync(HttpContext.RequestAborted))
        {
            if (await CollectionHeading.LoadAsync(connection, id) is null) return NotFound();
        }
        await mappingStep.CancelAsync(fileId, User.Identity?.Name ?? "unknown", HttpContext.RequestAborted);
        return this.RedirectOrHxRedirect(Url.Page("/Collections/Import", new { id })!);
    }

    /// <summary>The select value a column's mapped field shows as.</summary>
    public string ValueOf(MappedColumn column) =>
        column.Field is null ? Ignore : Fields.Contains(column.Field) ? FieldPrefix + column.Field : Keep;

    private IActionResult RefusedPage(string message)
    {
        Error = message;
        return Page();
    }

    /// <summary>Loads the collection and the file's preview; a result when the page cannot show them (not found, no longer waiting).</summary>
    private async Task<IActionResult?> LoadAsync(long id, long fileId, bool dryRun, IReadOnlyList<MappedColumn>? chosen)
    {
        var cancellationToken = HttpContext.RequestAborted;
        FileId = fileId;
        DryRun = dryRun;
        CollectionRow? collection;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var heading = await CollectionHeading.LoadAsync(connection, id);
            if (heading is null) return NotFound();
            Collection = heading;
            collection = await connection.QuerySingleAsync<CollectionRow>(
                "SELECT id AS Id, workspace_id AS WorkspaceId, name AS Name, key_field AS KeyField, schema_json AS SchemaJson FROM collections WHERE id = @id",
                new { id });
        }
        Fields = ColumnMapping.FieldNames(collection.Schema, collection.KeyField);
        Preview = await mappingStep.PreviewAsync(fileId, collection, chosen, cancellationToken);
        if (Preview is null)
        {
            Error = "This file is no longer waiting for its column mapping: it was imported, cancelled, or left too long. Upload it again.";
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        Error = Preview.Problem;
        if (Preview.Mapping is { } mapping) Unfilled = mapping.Unfilled(collection.Schema, collection.KeyField);
        return null;
    }
}
