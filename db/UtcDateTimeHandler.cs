using System.Data;
using System.Globalization;
using Dapper;

namespace JobTracker.Db;

/// <summary>Dates are stored and read as UTC, whatever the provider hands back.</summary>
internal sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
{
    /// <summary>Every time we write is UTC: a local time is converted, an unspecified one taken as UTC.</summary>
    public override void SetValue(IDbDataParameter parameter, DateTime value) =>
        parameter.Value = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };

    public override DateTime Parse(object value) => value switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
        string s => DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture), DateTimeKind.Utc),
        _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a date."),
    };
}
