using JobTracker.Jobs.Schedules;


namespace JobTracker.Tests.Engine;

/// <summary>
/// What a schedule says, checked as Save checks it: Quartz's cron engine in an IANA time zone
/// (daylight saving time included), the export-name pattern, and the messages a user reads.
/// </summary>
public sealed class ScheduleDefinitionTests
{
    private static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);

    private static ScheduleDefinition Valid(string cron = "0 0 2 * * ?", string zone = "Europe/Lisbon", string pattern = "nightly-{yyyyMMdd}", int recordsPerFile = 10_000)
    {
        var check = ScheduleDefinition.Check(cron, zone, pattern, recordsPerFile, Now);
        Assert.True(check.Definition is not null, string.Join(" | ", check.Problems.Values));
        Assert.Empty(check.Problems);
        return check.Definition!;
    }

    private static string Problem(string field, string? cron = "0 0 2 * * ?", string? zone = "Europe/Lisbon", string? pattern = "nightly-{yyyyMMdd}", int recordsPerFile = 10_000)
    {
        var check = ScheduleDefinition.Check(cron, zone, pattern, recordsPerFile, Now);
        Assert.Null(check.Definition);
        Assert.True(check.Problems.ContainsKey(field), $"no problem with {field}; problems: {string.Join(" | ", check.Problems)}");
        return check.Problems[field];
    }

    private static string Local(ScheduleDefinition definition, DateTime utc) =>
        definition.InZone(utc).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_next_three_fires_of_a_nightly_schedule_in_Lisbon_stay_at_02_00_local_across_the_end_of_summer_time()
    {
        var definition = Valid("0 0 2 * * ?", "Europe/Lisbon");
        var fires = definition.NextFires(new DateTime(2026, 10, 23, 12, 0, 0, DateTimeKind.Utc), 3);

        // Summer time (UTC+1) ends on Sunday 25 October 2026 at 02:00 local.
        Assert.Equal(
            [new DateTime(2026, 10, 24, 1, 0, 0, DateTimeKind.Utc), new DateTime(2026, 10, 25, 2, 0, 0, DateTimeKind.Utc), new DateTime(2026, 10, 26, 2, 0, 0, DateTimeKind.Utc)],
            fires);
        Assert.Equal(["2026-10-24 02:00 +01:00", "2026-10-25 02:00 +00:00", "2026-10-26 02:00 +00:00"], fires.Select(f => Local(definition, f)));
        Assert.All(fires, f => Assert.Equal(DateTimeKind.Utc, f.Kind));
    }

    [Fact]
    public void A_fire_in_the_hour_that_summer_time_skips_runs_once_when_the_clocks_move_and_the_repeated_hour_fires_once()
    {
        var definition = Valid("0 30 1 * * ?", "Europe/Lisbon");

        // 29 March 2026: clocks jump from 01:00 to 02:00 local, so 01:30 does not exist that night.
        var spring = definition.NextFires(new DateTime(2026, 3, 27, 12, 0, 0, DateTimeKind.Utc), 3);
        Assert.Equal(["2026-03-28 01:30 +00:00", "2026-03-29 02:00 +01:00", "2026-03-30 01:30 +01:00"], spring.Select(f => Local(definition, f)));

        // 25 October 2026: 01:30 local happens twice; a daily schedule fires on the first only.
        var autumn = definition.NextFires(new DateTime(2026, 10, 23, 12, 0, 0, DateTimeKind.Utc), 3);
        Assert.Equal(["2026-10-24 01:30 +01:00", "2026-10-25 01:30 +01:00", "2026-10-26 01:30 +00:00"], autumn.Select(f => Local(definition, f)));
    }

    [Fact]
    public void The_same_cron_expression_fires_at_different_instants_in_different_zones()
    {
        var after = new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 7, 2, 1, 0, 0, DateTimeKind.Utc), Valid(zone: "Europe/Lisbon").NextFireAfter(after));
        Assert.Equal(new DateTime(2026, 7, 2, 2, 0, 0, DateTimeKind.Utc), Valid(zone: "UTC").NextFireAfter(after));
        Assert.Equal(new DateTime(2026, 7, 2, 6, 0, 0, DateTimeKind.Utc), Valid(zone: "America/New_York").NextFireAfter(after));
    }

    [Theory]
    [InlineData("nightly-{yyyyMMdd}", "nightly-20261128")]
    [InlineData("{yyyy}-{MM}-{dd}_{HHmm}", "2026-11-28_0200")]
    [InlineData("customers.{yyyyMMdd'T'HHmmss}", "customers.20261128T020000")]
    [InlineData("weekly-{ddd}", "weekly-Sat")]
    [InlineData("plain", "plain")]
    public void The_pattern_formats_each_braced_token_with_the_fire_time_in_the_schedules_zone(string pattern, string expected)
    {
        var definition = Valid("0 0 2 * * ?", "Europe/Lisbon", pattern);
        Assert.Null(definition.RenderName(new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc), out var name));
        Assert.Equal(expected, name);
    }

    [Fact]
    public void The_date_in_the_name_is_the_local_date_of_the_fire_not_the_UTC_date()
    {
        // 00:30 on 1 July in Lisbon (UTC+1) is still 30 June in UTC.
        var definition = Valid("0 30 0 * * ?", "Europe/Lisbon");
        var fire = definition.NextFireAfter(new DateTime(2026, 6, 30, 12, 0, 0, DateTimeKind.Utc))!.Value;
        Assert.Equal(new DateTime(2026, 6, 30, 23, 30, 0, DateTimeKind.Utc), fire);
        definition.RenderName(fire, out var name);
        Assert.Equal("nightly-20260701", name);
    }

    [Fact]
    public void The_time_zone_is_stored_under_its_own_id()
    {
        Assert.Equal("Europe/Lisbon", Valid(zone: "  Europe/Lisbon ").Zone.Id);
        Assert.Equal("UTC", Valid(zone: "UTC").Zone.Id);
    }

    [Theory]
    [InlineData("bogus", "The cron expression \"bogus\" is not valid:")]
    [InlineData("0 0 25 * * ?", "Hour values must be between 0 and 23")]
    [InlineData("0 0 2 ? * MON-XYZ", "XYZ")]
    public void An_invalid_cron_expression_gets_Quartzs_own_explanation(string cron, string expected)
    {
        var problem = Problem(ScheduleDefinition.CronField, cron: cron);
        Assert.Contains(expected, problem);
        Assert.StartsWith($"The cron expression \"{cron}\" is not valid: ", problem);
    }

    [Fact]
    public void A_five_field_crontab_line_is_refused_with_the_advice_to_add_seconds()
    {
        var problem = Problem(ScheduleDefinition.CronField, cron: "0 2 * * *");
        Assert.Contains("5 fields", problem);
        Assert.Contains("Prepend a seconds field: \"0 0 2 * * *\"", problem);
        // Quartz's advice to programmers (which method to call) is not for the person at the form.
        Assert.DoesNotContain("CronExpression.Parse", problem);
        Assert.EndsWith("or use names (SUN, MON, ...).", problem);
    }

    [Fact]
    public void An_empty_cron_expression_asks_for_one_with_an_example()
    {
        Assert.Equal("Enter a cron expression, e.g. 0 0 2 * * ? for every day at 02:00.", Problem(ScheduleDefinition.CronField, cron: "  "));
        Assert.Equal("Enter a cron expression, e.g. 0 0 2 * * ? for every day at 02:00.", Problem(ScheduleDefinition.CronField, cron: null));
    }

    [Fact]
    public void A_cron_expression_that_never_fires_again_is_refused()
    {
        var problem = Problem(ScheduleDefinition.CronField, cron: "0 0 2 1 1 ? 2020");
        Assert.Equal("The cron expression \"0 0 2 1 1 ? 2020\" never fires again in Europe/Lisbon: every time it names is in the past.", problem);
    }

    [Theory]
    [InlineData("*/30 * * * * ?", "30 s later")]
    [InlineData("* */5 * ? * *", "1 s later")]
    public void A_schedule_that_fires_more_often_than_once_a_minute_is_refused(string cron, string expected)
    {
        var problem = Problem(ScheduleDefinition.CronField, cron: cron);
        Assert.Contains(expected, problem);
        Assert.Contains("at most once a minute", problem);
        Assert.NotNull(ScheduleDefinition.Check("0 * * * * ?", "UTC", "p", 10, Now).Definition);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Europe/Lisbonn")]
    [InlineData("../../etc/passwd")]
    public void An_unknown_time_zone_is_refused_with_examples_of_known_ones(string zone)
    {
        Assert.Equal(
            $"\"{zone}\" is not a time zone this server knows. Use an IANA time zone name such as Europe/Lisbon, America/New_York or UTC.",
            Problem(ScheduleDefinition.TimeZoneField, zone: zone));
    }

    [Fact]
    public void A_missing_time_zone_asks_for_one()
    {
        Assert.Equal("Choose a time zone, e.g. Europe/Lisbon or UTC.", Problem(ScheduleDefinition.TimeZoneField, zone: ""));
    }

    [Fact]
    public void Cron_and_time_zone_problems_are_reported_together()
    {
        var check = ScheduleDefinition.Check("nope", "Nowhere/Land", "{", 0, Now);
        Assert.Null(check.Definition);
        Assert.Equal(
            [ScheduleDefinition.CronField, ScheduleDefinition.NamePatternField, ScheduleDefinition.RecordsPerFileField, ScheduleDefinition.TimeZoneField],
            check.Problems.Keys.Order());
    }

    [Theory]
    [InlineData("nightly-{yyyyMMdd", "has a '{' without its '}' (at character 9)")]
    [InlineData("nightly-yyyyMMdd}", "has a '}' without its '{' (at character 17)")]
    [InlineData("nightly-{}", "has an empty {}")]
    [InlineData("nightly-{yyyy{MM}}", "opens a second '{' before closing the first (at character 14)")]
    public void A_pattern_whose_braces_do_not_pair_up_is_refused(string pattern, string expected)
    {
        Assert.Contains(expected, Problem(ScheduleDefinition.NamePatternField, pattern: pattern));
    }

    [Fact]
    public void A_pattern_is_checked_by_rendering_it_for_the_next_fire()
    {
        // "d" alone is .NET's short date (11/28/2026): slashes cannot name files.
        var problem = Problem(ScheduleDefinition.NamePatternField, pattern: "nightly-{d}");
        Assert.Equal(
            "For the next fire (2026-11-28 02:00 Europe/Lisbon) the pattern gives \"nightly-11/28/2026\", which cannot name an export. " +
            "The export name 'nightly-11/28/2026' can only use letters, digits, '-', '_' and '.' (at most 100 of them).",
            problem);
        Assert.Contains("\"x-02:00:00\"", Problem(ScheduleDefinition.NamePatternField, pattern: "x-{HH:mm:ss}"));
        Assert.Contains("cannot name an export", Problem(ScheduleDefinition.NamePatternField, pattern: "my export {yyyy}"));
    }

    [Fact]
    public void A_token_that_is_no_date_format_is_refused()
    {
        Assert.Contains("{yyyy'} in the export-name pattern is not a .NET date format", Problem(ScheduleDefinition.NamePatternField, pattern: "n-{yyyy'}"));
    }

    [Fact]
    public void An_empty_pattern_asks_for_one_with_an_example()
    {
        Assert.Equal("Enter an export-name pattern, e.g. nightly-{yyyyMMdd}.", Problem(ScheduleDefinition.NamePatternField, pattern: " "));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1_000_001)]
    public void Records_per_file_must_be_in_range(int recordsPerFile)
    {
        Assert.Equal("Records per file must be between 1 and 1,000,000.", Problem(ScheduleDefinition.RecordsPerFileField, recordsPerFile: recordsPerFile));
    }

    [Fact]
    public void Describe_names_the_local_time_and_the_zone()
    {
        var definition = Valid();
        Assert.Equal("2026-11-28 02:00 Europe/Lisbon", definition.Describe(new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("2026-07-02 02:00:30 Europe/Lisbon", definition.Describe(new DateTime(2026, 7, 2, 1, 0, 30, DateTimeKind.Utc)));
    }

    [Fact]
    public void Counting_missed_fires_counts_those_after_the_first_up_to_now()
    {
        var definition = Valid("0 0 2 * * ?", "UTC");
        var first = new DateTime(2026, 11, 25, 2, 0, 0, DateTimeKind.Utc);
        Assert.Equal(2, definition.CountFires(first, new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(0, definition.CountFires(first, first.AddHours(23)));
        Assert.Equal(5, definition.CountFires(first, first.AddYears(1), cap: 5));
    }

    [Fact]
    public void The_missed_fire_note_names_the_fire_in_the_schedules_zone_and_the_later_ones_it_stands_for()
    {
        var definition = Valid("0 0 2 * * ?", "Europe/Lisbon");
        var due = new DateTime(2026, 11, 28, 2, 0, 0, DateTimeKind.Utc);

        Assert.Equal(
            "Missed fire at 2026-11-28 02:00 Europe/Lisbon while the server was down; run at start-up.",
            ScheduleFirer.MissedFireNote(definition, due, due.AddHours(5)));
        Assert.Equal(
            "Missed fire at 2026-11-28 02:00 Europe/Lisbon while the server was down; run at start-up. " +
            "2 later fires were missed too (the last at 2026-11-30 02:00 Europe/Lisbon); this one run stands for all of them.",
            ScheduleFirer.MissedFireNote(definition, due, due.AddDays(2).AddHours(5)));
    }
}
