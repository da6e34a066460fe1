using Dapper;
using JobTracker.Db;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JobTracker.Web.Pages.Workspaces;

/// <summary>Creates a workspace (/Workspaces/New) or renames one (/Workspaces/{id}/Edit). Admins only.</summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class EditModel(Database database) : PageModel
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
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var name = await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM workspaces WHERE id = @id", new { id });
        if (name is null) return NotFound();
        CurrentName = Input.Name = name;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id)
    {
        Id = id;
        var name = Input.Name.Trim();
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        if (id is not null)
        {
            var current = await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM workspaces WHERE id = @id", new { id });
            if (current is null) return NotFound();
            CurrentName = current;
        }

        if (name.Length == 0)
            ModelState.AddModelError("Input.Name", "Enter a name for the workspace.");
        else if (await connection.ExecuteScalarAsync<long>(
                     "SELECT COUNT(*) FROM workspaces WHERE name = @name AND id <> @id", new { name, id = id ?? 0 }) > 0)
            ModelState.AddModelError("Input.Name", $"A workspace named \"{name}\" already exists.");
        if (!ModelState.IsValid) return Page();

        if (id is null)
        {
            id = await connection.ExecuteScalarAsync<long>(
                database.Provider.InsertReturningId("workspaces", "name, created_at", "@name, @Now"), new { name, Now = DateTime.UtcNow });
        }
        else
        {
            await connection.ExecuteAsync("UPDATE workspaces SET name = @name WHERE id = @id", new { name, id });
        }
        return RedirectToPage("/Workspaces/Details", new { id });
    }
}
