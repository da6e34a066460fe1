using System.Data;
using System.Globalization;
using Dapper;

namespace JobTracker.Db;

/// <summary>Dates are stored and read as UTC, whatever the provider hands back.</summary>
internal sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
{
    public override void SetValue(IDbDataParameter parameter, DateTime value) =>
        parameter.Value = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;

    public override DateTime Parse(object value) => value switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
        string s => DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture), DateTimeKind.Utc),
        _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a date."),
    };
}
