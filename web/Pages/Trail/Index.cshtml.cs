using System.Globalization;
using JobTracker.Db;
using JobTracker.Jobs.Activity;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace JobTracker.Web.Pages.Trail;

/// <summary>
/// The activity trail (admins): who did what to which object, when and from where, newest first, 50 a page,
/// filtered by <see cref="ActivitySearch"/> and keyset-paged (?after=the last entry of the page before). The same
/// URL returns the whole page, or only _ActivityTable for htmx (search and paging, with the URL pushed).
/// </summary>
[Authorize(Policy = Policies.CanChange)]
public sealed class IndexModel(Database database, TimeDisplay times) : PageModel
{
    public const int PageSize = 50;

    public ActivitySearch Search { get; private set; } = new();

    public IReadOnlyList<ActivityLine> Entries { get; private set; } = [];

    public int PageNumber { get; private set; } = 1;

    public long? After { get; private set; }

    public bool HasNextPage { get; private set; }

    public static IReadOnlyList<string> Actions => ActivityActions.All;

    public static IReadOnlyList<string> Kinds => ActivityObjects.All;

    /// <summary>The URL of this search's page that starts after entry <paramref name="after"/>.</summary>
    public string PageUrl(long? after, int pageNumber)
    {
        var query = Search.Query();
        if (after is not null)
        {
            query["after"] = after.Value.ToString(CultureInfo.InvariantCulture);
            query["page"] = pageNumber.ToString(CultureInfo.InvariantCulture);
        }
        return QueryHelpers.AddQueryString(Url.Page("/Trail/Index")!,
            query.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
    }

    // "page" is a route value of Razor Pages itself: read the query string's "page" by name.
    public async Task<IActionResult> OnGetAsync(string? who, string? action, string? kind, [FromQuery(Name = "object")] long? objectId,
        [FromQuery(Name = "job")] long? jobId, string? from, string? to, long? after, [FromQuery(Name = "page")] int pageNumber = 1)
    {
        Search = ActivitySearch.Parse(who, action, kind, objectId, jobId, from, to) with { Zone = times.Zone };
        await using var connection = await database.OpenAsync(HttpContext.RequestAborted);
        var page = await Search.ReadPageAsync(connection, database.Provider, after, PageSize);
        Entries = page.Entries;
        HasNextPage = page.HasNextPage;
        if (after is not null)
        {
            After = after;
            PageNumber = Math.Max(2, pageNumber);
        }
        return this.PageOrPartial("_ActivityTable");
    }
}
