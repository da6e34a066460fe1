using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Catalog;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Workspaces;

/// <summary>Creates a workspace (/Workspaces/New) or renames one (/Workspaces/{id}/Edit) through <see cref="WorkspaceEditor"/>. Admins only.</summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class EditModel(Database database, WorkspaceEditor workspaces) : PageModel
{
    public sealed class WorkspaceInput
    {
        public string Name { get; set; } = "";
    }

    [BindProperty]
    public WorkspaceInput Input { get; set; } = new();

    public long? Id { get; private set; }

    public string CurrentName { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long? id)
    {
        Id = id;
        if (id is null) return Page();
        if (await LoadNameAsync(id.Value) is not { } name) return NotFound();
        CurrentName = Input.Name = name;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        Id = id;
        if (id is not null)
        {
            if (await LoadNameAsync(id.Value) is not { } current) return NotFound();
            CurrentName = current;
        }

        if (!ModelState.IsValid)
        {
            // The form did not bind (the framework says why): say what else is wrong, and change nothing.
            ModelState.AddProblems(await workspaces.CheckAsync(id, Input.Name, cancellationToken), "Input.");
            return Page();
        }
        try
        {
            if (id is null)
                id = await workspaces.CreateAsync(Input.Name, cancellationToken, HttpContext.Actor());
            else if (!await workspaces.RenameAsync(id.Value, Input.Name, cancellationToken, HttpContext.Actor()))
                return NotFound();
        }
        catch (ChangeRefusedException refused)
        {
            ModelState.AddProblems(refused.Problems, "Input.");
            return Page();
        }
        return RedirectToPage("/Workspaces/Details", new { id });
    }

    private async Task<string?> LoadNameAsync(long id)
    {
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM workspaces WHERE id = @id", new { id });
    }
}
