using System.Globalization;
using System.Text;
using Dapper;

namespace JobTracker.Web.Pages.Collections;

/// <summary>
/// The Job Tracker's search, as it stands in the query string (a GET form, so it can be bookmarked):
/// status, type, initiated by, file or export name contains, and a date range of submission (dates
/// in the user's time zone, <see cref="Zone"/>, both ends included). <see cref="Where"/> is the SQL condition over the jobs table, built
/// only from fixed fragments; every value a user typed goes in as a parameter.
/// </summary>
public sealed record JobSearch
{
    /// <summary>The statuses, in the order of the chips.</summary>
    public static readonly string[] Statuses =
        [Db.Status.Queued, Db.Status.InProgress, Db.Status.Completed, Db.Status.RanWithErrors, Db.Status.Failed, Db.Status.Canceled];

    public static readonly string[] Types = ["Import", "Export"];

    public string? Status { get; init; }

    public string? Type { get; init; }

    public string? InitiatedBy { get; init; }

    public string? Name { get; init; }

    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    /// <summary>The zone <see cref="From"/> and <see cref="To"/> are days in (the user's); each day's bounds become UTC.</summary>
    public NodaTime.DateTimeZone Zone { get; init; } = NodaTime.DateTimeZone.Utc;

    /// <summary>A search from the query string's values; unknown statuses and types are ignored, blanks are no filter.</summary>
    public static JobSearch Parse(string? status, string? type, string? initiatedBy, string? name, string? from, string? to) => new()
    {
        Status = Statuses.FirstOrDefault(s => string.Equals(s, status?.Trim(), StringComparison.OrdinalIgnoreCase)),
        Type = Types.FirstOrDefault(t => string.Equals(t, type?.Trim(), StringComparison.OrdinalIgnoreCase)),
        InitiatedBy = string.IsNullOrWhiteSpace(initiatedBy) ? null : initiatedBy.Trim(),
        Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
        From = ParseDate(from),
        To = ParseDate(to),
    };

    private static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>True when anything but the collection narrows the jobs.</summary>
    public bool Any => Status is not null || Type is not null || InitiatedBy is not null || Name is not null || From is not null || To is not null;

    /// <summary>The condition of every filter but status (the chips count per status under it).</summary>
    public string OthersWhere
    {
        get
        {
            var sql = new StringBuilder("collection_id = @CollectionId");
            if (Type is not null) sql.Append(" AND job_type = @Type");
            if (InitiatedBy is not null) sql.Append(" AND lower(initiated_by) = @InitiatedByLower");
            // '!' escapes the wildcards (and '[', a wildcard on SQL Server); lower() on both sides: case-insensitive everywhere.
            if (Name is not null) sql.Append(" AND (lower(file_name) LIKE @NamePattern ESCAPE '!' OR lower(export_name) LIKE @NamePattern ESCAPE '!')");
            if (From is not null) sql.Append(" AND created_at >= @FromTime");
            if (To is not null) sql.Append(" AND created_at < @ToTime");
            return sql.ToString();
        }
    }

    /// <summary>The condition of the whole search.</summary>
    public string Where => Status is null ? OthersWhere : OthersWhere + " AND status = @Status";

    /// <summary>The parameters of <see cref="Where"/> for one collection.</summary>
    public DynamicParameters Parameters(long collectionId)
    {
        var parameters = new DynamicParameters();
        parameters.Add("CollectionId", collectionId);
        if (Status is not null) parameters.Add("Status", Status);
        if (Type is not null) parameters.Add("Type", Type);
        if (InitiatedBy is not null) parameters.Add("InitiatedByLower", InitiatedBy.ToLowerInvariant());
        if (Name is not null) parameters.Add("NamePattern", "%" + EscapeLike(Name.ToLowerInvariant()) + "%");
        if (From is not null) parameters.Add("FromTime", TimeDisplay.StartOfDayUtc(From.Value, Zone));
        if (To is not null) parameters.Add("ToTime", TimeDisplay.StartOfDayUtc(To.Value.AddDays(1), Zone));
        return parameters;
    }

    /// <summary>Text that LIKE matches literally with ESCAPE '!': %, _, [ and ! itself escaped.</summary>
    public static string EscapeLike(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '!' or '%' or '_' or '[') escaped.Append('!');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>The query string of this search with another status (null: all), other values kept; no paging.</summary>
    public Dictionary<string, string?> Query(string? status) => new()
    {
        ["status"] = status,
        ["type"] = Type,
        ["by"] = InitiatedBy,
        ["name"] = Name,
        ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };
}
