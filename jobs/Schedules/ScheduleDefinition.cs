using System.Globalization;
using System.Text;
using JobTracker.Jobs.Exports;
using Quartz;

namespace JobTracker.Jobs.Schedules;

/// <summary>
/// What an export schedule says: a Quartz cron expression read in an IANA time zone, an export-name
/// pattern and records per file. Fire times come from Quartz's cron engine (<see cref="CronExpression"/>);
/// this class checks a schedule when it is saved, so that one that saved never fails at fire time.
/// </summary>
public sealed class ScheduleDefinition
{
    /// <summary>The keys of <see cref="ScheduleCheck.Problems"/>: the form's fields.</summary>
    public const string CronField = "Cron", TimeZoneField = "TimeZone", NamePatternField = "NamePattern", RecordsPerFileField = "RecordsPerFile";

    /// <summary>Exports are heavy: a schedule may not fire more often than this.</summary>
    public static readonly TimeSpan MinimumSpacing = TimeSpan.FromMinutes(1);

    private ScheduleDefinition(CronExpression cron, TimeZoneInfo zone, string namePattern, int recordsPerFile)
    {
        Cron = cron;
        Zone = zone;
        NamePattern = namePattern;
        RecordsPerFile = recordsPerFile;
    }

    /// <summary>The cron expression, resolved in <see cref="Zone"/>.</summary>
    public CronExpression Cron { get; }

    public TimeZoneInfo Zone { get; }

    public string NamePattern { get; }

    public int RecordsPerFile { get; }

    /// <summary>A schedule as stored (checked when it was saved). Throws when it no longer reads, e.g. its zone left the system.</summary>
    public static ScheduleDefinition Read(string cron, string timeZone, string namePattern, int recordsPerFile)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return new ScheduleDefinition(CronExpression.Parse(cron).WithTimeZone(zone), zone, namePattern, recordsPerFile);
    }

    /// <summary>
    /// Checks a schedule as typed into the form, at <paramref name="utcNow"/>. Returns the definition, or
    /// the problems keyed by field (Cron, TimeZone, NamePattern, RecordsPerFile) in words for the user.
    /// </summary>
    public static ScheduleCheck Check(string? cron, string? timeZone, string? namePattern, int recordsPerFile, DateTime utcNow)
    {
        var problems = new Dictionary<string, string>();
        cron = cron?.Trim() ?? "";
        timeZone = timeZone?.Trim() ?? "";
        namePattern = namePattern?.Trim() ?? "";

        CronExpression? expression = null;
        if (cron.Length == 0)
            problems[CronField] = "Enter a cron expression, e.g. 0 0 2 * * ? for every day at 02:00.";
        else
        {
            try
            {
                expression = CronExpression.Parse(cron);
            }
            catch (FormatException invalid)
            {
                problems[CronField] = $"The cron expression \"{cron}\" is not valid: {ForPeople(invalid.Message)}";
            }
        }

        TimeZoneInfo? zone = null;
        if (timeZone.Length == 0)
            problems[TimeZoneField] = "Choose a time zone, e.g. Europe/Lisbon or UTC.";
        else if (FindZone(timeZone) is { } found)
            zone = found;
        else
            problems[TimeZoneField] = $"\"{timeZone}\" is not a time zone this server knows. Use an IANA time zone name such as Europe/Lisbon, America/New_York or UTC.";

        if (ExportSubmission.ValidateRecordsPerFile(recordsPerFile) is { } sizeProblem)
            problems[RecordsPerFileField] = sizeProblem;

        if (namePattern.Length == 0)
            problems[NamePatternField] = "Enter an export-name pattern, e.g. nightly-{yyyyMMdd}.";
        else if (PatternShapeProblem(namePattern) is { } shapeProblem)
            problems[NamePatternField] = shapeProblem;

        if (expression is null || zone is null) return new ScheduleCheck(null, problems);

        var definition = new ScheduleDefinition(expression.WithTimeZone(zone), zone, namePattern, recordsPerFile);
        var fires = definition.NextFires(utcNow, 4);
        if (fires.Count == 0)
        {
            problems[CronField] = $"The cron expression \"{cron}\" never fires again in {zone.Id}: every time it names is in the past.";
            return new ScheduleCheck(null, problems);
        }
        for (var i = 1; i < fires.Count; i++)
        {
            if (fires[i] - fires[i - 1] < MinimumSpacing)
            {
                problems[CronField] =
                    $"The cron expression \"{cron}\" fires at {definition.Describe(fires[i - 1])} and again at {definition.Describe(fires[i])}, " +
                    $"{(fires[i] - fires[i - 1]).TotalSeconds:0} s later; an export schedule may fire at most once a minute. " +
                    "The first field is the second: put 0 there for once a minute.";
                break;
            }
        }

        if (!problems.ContainsKey(NamePatternField))
        {
            if (definition.RenderName(fires[0], out var name) is { } renderProblem)
                problems[NamePatternField] = renderProblem;
            else if (ExportSubmission.ValidateName(name) is { } nameProblem)
                problems[NamePatternField] = $"For the next fire ({definition.Describe(fires[0])}) the pattern gives \"{name}\", which cannot name an export. {nameProblem}";
        }

        return new ScheduleCheck(problems.Count == 0 ? definition : null, problems);
    }

    /// <summary>Quartz's own explanation, less the sentence that advises a programmer which method to call.</summary>
    private static string ForPeople(string quartzMessage)
    {
        var api = quartzMessage.IndexOf(" Or read it as written", StringComparison.Ordinal);
        return api > 0 && quartzMessage.IndexOf("CronExpression.Parse", api, StringComparison.Ordinal) > 0 ? quartzMessage[..api] : quartzMessage;
    }

    /// <summary>The zone with this id (an IANA name such as Europe/Lisbon), or null.</summary>
    public static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>The next fire strictly after <paramref name="utc"/>, in UTC; null when the expression never fires again.</summary>
    public DateTime? NextFireAfter(DateTime utc) =>
        Cron.GetNextValidTimeAfter(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)))?.UtcDateTime;

    /// <summary>Up to <paramref name="count"/> fires after <paramref name="utc"/>, in UTC, as Quartz computes them.</summary>
    public IReadOnlyList<DateTime> NextFires(DateTime utc, int count)
    {
        var fires = new List<DateTime>(count);
        for (var after = utc; fires.Count < count && NextFireAfter(after) is { } next; after = next)
            fires.Add(next);
        return fires;
    }

    /// <summary>How many fires fall in (<paramref name="afterUtc"/>, <paramref name="untilUtc"/>], counting at most <paramref name="cap"/>.</summary>
    public int CountFires(DateTime afterUtc, DateTime untilUtc, int cap = 10_000)
    {
        var count = 0;
        for (var after = afterUtc; count < cap && NextFireAfter(after) is { } next && next <= untilUtc; after = next)
            count++;
        return count;
    }

    /// <summary>A UTC instant on the schedule's clock (the zone's local time and offset).</summary>
    public DateTimeOffset InZone(DateTime utc) =>
        TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), Zone);

    /// <summary>"2026-11-28 02:00 Europe/Lisbon" (seconds only when the fire has some).</summary>
    public string Describe(DateTime utc) => $"{LocalTime(InZone(utc))} {Zone.Id}";

    /// <summary>"2026-11-28 02:00", or "2026-11-28 02:00:30" when the time has seconds.</summary>
    public static string LocalTime(DateTimeOffset local) =>
        local.ToString(local.Second == 0 ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// The export name of the fire at <paramref name="fireUtc"/>: each {token} of the pattern is a .NET
    /// date format applied to the fire time in the schedule's zone. Returns why it cannot, or null.
    /// </summary>
    public string? RenderName(DateTime fireUtc, out string name) => RenderPattern(NamePattern, InZone(fireUtc), out name);

    /// <summary>Renders a pattern for a local time: nightly-{yyyyMMdd} → nightly-20261128. Returns why it cannot, or null.</summary>
    public static string? RenderPattern(string pattern, DateTimeOffset local, out string name)
    {
        name = "";
        if (PatternShapeProblem(pattern) is { } shapeProblem) return shapeProblem;
        var rendered = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '{')
            {
                rendered.Append(pattern[i]);
                continue;
            }
            var close = pattern.IndexOf('}', i + 1);
            var format = pattern[(i + 1)..close];
            try
            {
                rendered.Append(local.ToString(format, CultureInfo.InvariantCulture));
            }
            catch (FormatException invalid)
            {
                return $"{{{format}}} in the export-name pattern is not a .NET date format: {invalid.Message}";
            }
            i = close;
        }
        name = rendered.ToString();
        return null;
    }

    /// <summary>Braces must pair up around a non-empty format, without nesting.</summary>
    private static string? PatternShapeProblem(string pattern)
    {
        var open = -1;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '{' when open >= 0:
                    return $"The export-name pattern \"{pattern}\" opens a second '{{' before closing the first (at character {i + 1}).";
                case '{':
                    open = i;
                    break;
                case '}' when open < 0:
                    return $"The export-name pattern \"{pattern}\" has a '}}' without its '{{' (at character {i + 1}).";
                case '}' when i == open + 1:
                    return $"The export-name pattern \"{pattern}\" has an empty {{}}: put a date format in it, e.g. {{yyyyMMdd}}.";
                case '}':
                    open = -1;
                    break;
            }
        }
        return open >= 0 ? $"The export-name pattern \"{pattern}\" has a '{{' without its '}}' (at character {open + 1})." : null;
    }
}
