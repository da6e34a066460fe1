using System.Globalization;
using System.Text.Encodings.Web;
using JobTracker.Jobs.Users;
using JobTracker.Web.Hosting;
using Microsoft.AspNetCore.Html;
using NodaTime;

namespace JobTracker.Web.Pages;

/// <summary>
/// How times read on every page: in the signed-in user's time zone with the zone's abbreviation
/// ("2026-03-29 03:30:00 CEST"), from the tz database NodaTime ships. One per request: the zone is the
/// one the cookie check read with the session (<see cref="CurrentSession"/>), UTC when the user has none
/// or nobody is signed in. Times are stored in UTC; <see cref="Tag"/> keeps the UTC instant in a
/// <c>&lt;time datetime="…Z"&gt;</c> around the text.
/// </summary>
public sealed class TimeDisplay(IHttpContextAccessor accessor)
{
    private DateTimeZone? zone;

    /// <summary>The zone times are shown in for this request.</summary>
    public DateTimeZone Zone => zone ??= UserTimeZones.OrUtc(accessor.HttpContext?.SignInSession()?.TimeZone);

    /// <summary>The zone's id, as table headings name it ("Europe/Berlin", "UTC").</summary>
    public string ZoneId => Zone.Id;

    /// <summary>"2026-03-29 03:30:00 CEST" in this request's zone; "" for no time.</summary>
    public string Text(DateTime? utc) => utc is { } value ? Format(value, Zone) : "";

    /// <summary>The time as <see cref="Text"/> says it, inside <c>&lt;time datetime="2026-03-29T01:30:00Z"&gt;</c>; nothing for no time.</summary>
    public IHtmlContent Tag(DateTime? utc) => utc is { } value
        ? new HtmlString($"<time datetime=\"{IsoUtc(value)}\">{HtmlEncoder.Default.Encode(Format(value, Zone))}</time>")
        : HtmlString.Empty;

    /// <summary>The time of day with the zone's abbreviation ("03:30:00 CEST"), tenths of a second when asked.</summary>
    public string ClockTime(DateTime utc, bool tenths = false)
    {
        var zoned = InZone(utc, Zone);
        return zoned.ToString(tenths ? "HH':'mm':'ss'.'f" : "HH':'mm':'ss", CultureInfo.InvariantCulture) + " " + zoned.GetZoneInterval().Name;
    }

    /// <summary>"2026-03-29 03:30:00 CEST": a UTC time in <paramref name="timeZone"/> with the zone's abbreviation there and then.</summary>
    public static string Format(DateTime utc, DateTimeZone timeZone)
    {
        var zoned = InZone(utc, timeZone);
        return zoned.ToString("uuuu'-'MM'-'dd HH':'mm':'ss", CultureInfo.InvariantCulture) + " " + zoned.GetZoneInterval().Name;
    }

    /// <summary>"2026-03-29T01:30:00Z": the instant as a machine reads it.</summary>
    public static string IsoUtc(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first instant of a day in <paramref name="timeZone"/>, in UTC (a day that starts in a DST gap starts at the gap's end).</summary>
    public static DateTime StartOfDayUtc(DateOnly day, DateTimeZone timeZone) =>
        timeZone.AtStartOfDay(LocalDate.FromDateOnly(day)).ToDateTimeUtc();

    // Times read from the database are UTC whatever their Kind says.
    private static ZonedDateTime InZone(DateTime utc, DateTimeZone timeZone) =>
        Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(timeZone);
}
