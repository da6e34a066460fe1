using System.Data.Common;
using System.Globalization;
using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Activity;

namespace JobTracker.Web.Pages.Trail;

/// <summary>
/// The Activity page's search (and GET /api/v1/activity's), as it stands in the query string: who (the actor's
/// name, any case), action, object kind and id, job id, and a date range (days in the user's zone, both ends
/// included). Built only from fixed fragments; every value goes in as a parameter. Pages are keyset-paged by id,
/// newest first (<see cref="ReadPageAsync"/>).
/// </summary>
public sealed record ActivitySearch
{
    public string? Who { get; init; }

    public string? Action { get; init; }

    public string? Kind { get; init; }

    public long? ObjectId { get; init; }

    public long? JobId { get; init; }

    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    /// <summary>The zone <see cref="From"/> and <see cref="To"/> are days in.</summary>
    public NodaTime.DateTimeZone Zone { get; init; } = NodaTime.DateTimeZone.Utc;

    /// <summary>A search from the query string's values; unknown actions and kinds are ignored, blanks are no filter.</summary>
    public static ActivitySearch Parse(string? who, string? action, string? kind, long? objectId, long? jobId, string? from, string? to) => new()
    {
        Who = string.IsNullOrWhiteSpace(who) ? null : who.Trim(),
        Action = ActivityActions.All.FirstOrDefault(a => string.Equals(a, action?.Trim(), StringComparison.OrdinalIgnoreCase)),
        Kind = ActivityObjects.All.FirstOrDefault(k => string.Equals(k, kind?.Trim(), StringComparison.OrdinalIgnoreCase)),
        ObjectId = objectId,
        JobId = jobId,
        From = ParseDate(from),
        To = ParseDate(to),
    };

    private static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>True when anything narrows the entries.</summary>
    public bool Any => Who is not null || Action is not null || Kind is not null || ObjectId is not null || JobId is not null || From is not null || To is not null;

    /// <summary>The condition of the search (always true when nothing is given).</summary>
    public string Where
    {
        get
        {
            var sql = new StringBuilder("1 = 1");
            if (Who is not null) sql.Append(" AND lower(actor_name) = @WhoLower");
            if (Action is not null) sql.Append(" AND action = @Action");
            if (Kind is not null) sql.Append(" AND object_kind = @Kind");
            if (ObjectId is not null) sql.Append(" AND object_id = @ObjectId");
            if (JobId is not null) sql.Append(" AND job_id = @JobId");
            if (From is not null) sql.Append(" AND at_utc >= @FromTime");
            if (To is not null) sql.Append(" AND at_utc < @ToTime");
            return sql.ToString();
        }
    }

    /// <summary>The parameters of <see cref="Where"/>.</summary>
    public DynamicParameters Parameters()
    {
        var parameters = new DynamicParameters();
        if (Who is not null) parameters.Add("WhoLower", Who.ToLowerInvariant());
        if (Action is not null) parameters.Add("Action", Action);
        if (Kind is not null) parameters.Add("Kind", Kind);
        if (ObjectId is not null) parameters.Add("ObjectId", ObjectId);
        if (JobId is not null) parameters.Add("JobId", JobId);
        if (From is not null) parameters.Add("FromTime", TimeDisplay.StartOfDayUtc(From.Value, Zone));
        if (To is not null) parameters.Add("ToTime", TimeDisplay.StartOfDayUtc(To.Value.AddDays(1), Zone));
        return parameters;
    }

    /// <summary>The query string of this search, no paging.</summary>
    public Dictionary<string, string?> Query() => new()
    {
        ["who"] = Who,
        ["action"] = Action,
        ["kind"] = Kind,
        ["object"] = ObjectId?.ToString(CultureInfo.InvariantCulture),
        ["job"] = JobId?.ToString(CultureInfo.InvariantCulture),
        ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    /// <summary>One page of entries, newest first, and whether there is an older one.</summary>
    public sealed record Page(IReadOnlyList<ActivityLine> Entries, bool HasNextPage);

    /// <summary>
    /// The <paramref name="pageSize"/> entries that match, newest first, starting after entry <paramref name="after"/>
    /// (keyset paging by id: the cursor is the last entry of the page before).
    /// </summary>
    public async Task<Page> ReadPageAsync(DbConnection connection, DatabaseProvider provider, long? after, int pageSize)
    {
        var parameters = Parameters();
        parameters.Add("Skip", 0);
        parameters.Add("Take", pageSize + 1);
        var pageWhere = Where;
        if (after is not null)
        {
            pageWhere = "id < @After AND " + pageWhere;
            parameters.Add("After", after.Value);
        }
        var rows = (await connection.QueryAsync<ActivityLine>(
            $"SELECT {ActivityLine.Columns} FROM activity WHERE {pageWhere} ORDER BY id DESC {provider.Paging}", parameters)).AsList();
        var hasNext = rows.Count > pageSize;
        if (hasNext) rows.RemoveAt(rows.Count - 1);
        return new Page(rows, hasNext);
    }
}
