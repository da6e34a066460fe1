using System.Text;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The export form (admins): an export name and the records per file. htmx posts it (the antiforgery
/// token in the header, from site.js) and follows HX-Redirect to the Job Tracker; a refused form comes
/// back as the partial with its messages. A plain form post (hidden token) works the same way with a
/// redirect or the whole page.
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class ExportModel(Database database, ExportSubmission submission, ILogger<ExportModel> logger) : PageModel
{

    public sealed class ExportInput
    {
        public string? ExportName { get; set; }

        public int? RecordsPerFile { get; set; }
    }

    [BindProperty]
    public ExportInput Input { get; set; } = new();

    public CollectionHeading Collection { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(long id)
    {
        if (!await LoadAsync(id)) return NotFound();
        Input.ExportName = SuggestedName(Collection.Name, DateTime.UtcNow);
        Input.RecordsPerFile = ExportSubmission.DefaultRecordsPerFile;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id)
    {
        if (!await LoadAsync(id)) return NotFound();

        var exportName = Input.ExportName?.Trim();
        Input.ExportName = exportName;
        if (ExportSubmission.ValidateName(exportName) is { } nameProblem)
            ModelState.AddModelError("Input.ExportName", nameProblem);
        // A value that is not a whole number fails model binding with a technical message: say it our way.
        var unreadable = ModelState.TryGetValue("Input.RecordsPerFile", out var entry) && entry.Errors.Count > 0;
        ModelState.Remove("Input.RecordsPerFile");
        var sizeProblem = Input.RecordsPerFile is { } size ? ExportSubmission.ValidateRecordsPerFile(size) : null;
        if (unreadable || Input.RecordsPerFile is null || sizeProblem is not null)
            ModelState.AddModelError("Input.RecordsPerFile", sizeProblem ?? ExportSubmission.ValidateRecordsPerFile(0)!);
        if (!ModelState.IsValid) return Refuse();

        long jobId;
        var initiatedBy = User.Identity?.Name ?? "unknown";
        try
        {
            jobId = await submission.SubmitAsync(id, exportName!, Input.RecordsPerFile!.Value, initiatedBy, cancellationToken: HttpContext.RequestAborted, actor: HttpContext.Actor())
                ?? throw new InvalidOperationException("A manual export was not queued.");
        }
        catch (ExportRejectedException rejected)
        {
            ModelState.AddModelError("", rejected.Message);
            return Refuse();
        }
        logger.LogInformation("{UserName} submitted export job {JobId} ({ExportName}, {RecordsPerFile} records per file) of collection {CollectionId}",
            initiatedBy, jobId, exportName, Input.RecordsPerFile, id);

        return this.RedirectOrHxRedirect(Url.Page("/Collections/Jobs", new { id })!);
    }

    /// <summary>A valid name to start from: the collection's name in lower case with today's date, e.g. customers-20250131.</summary>
    public static string SuggestedName(string collectionName, DateTime now)
    {
        var name = new StringBuilder();
        foreach (var c in collectionName.Trim().ToLowerInvariant())
        {
            var keep = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' || c == '-';
            if (keep) name.Append(c);
            else if (name.Length > 0 && name[^1] != '-') name.Append('-');
        }
        var stem = name.ToString().Trim('-', '.');
        if (stem.Length > 80) stem = stem[..80];
        return $"{(stem.Length == 0 ? "export" : stem)}-{now:yyyyMMdd}";
    }

    private IActionResult Refuse() => this.PageOrPartial("_ExportForm");

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var collection = await CollectionHeading.LoadAsync(connection, id);
        if (collection is null) return false;
        Collection = collection;
        return true;
    }
}
