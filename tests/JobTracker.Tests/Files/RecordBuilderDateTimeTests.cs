using System.Globalization;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

/// <summary>
/// The datetime conversion reads ISO 8601 text by hand (its fast path); these check it against the framework's
/// general parse, which the conversion used for all text before: same stored value, same failures.
/// </summary>
public class RecordBuilderDateTimeTests
{
    private static readonly SchemaField[] Schema = [new("id", FieldTypes.String, true), new("at", FieldTypes.DateTime, false)];

    private static readonly RecordBuilder Builder = new("id", Schema, ["id", "at"]);

    /// <summary>The stored value of "at", or null when the row fails.</summary>
    private static string? Stored(string text)
    {
        var failure = Builder.Build(new ImportRow(1, ["k", text], default, null), out _, out var json);
        if (failure is not null)
        {
            Assert.Equal("at", failure.Field);
            return null;
        }
        return JsonDocument.Parse(json).RootElement.GetProperty("at").GetString();
    }

    /// <summary>What the general parse made of the text (the conversion as it was before the fast path).</summary>
    private static string? General(string text)
    {
        var t = text.AsSpan().Trim();
        var culture = CultureInfo.InvariantCulture;
        if (!t.Contains(':') && DateOnly.TryParse(t, culture, DateTimeStyles.None, out var date)) return date.ToString("O", culture);
        if (!DateTimeOffset.TryParse(t, culture, DateTimeStyles.AssumeUniversal, out var moment)) return null;
        var o = moment.UtcDateTime.ToString("O", culture).TrimEnd('Z').TrimEnd('0').TrimEnd('.');
        return o + "Z";
    }

    [Theory]
    [InlineData("2024-01-31", "2024-01-31")]
    [InlineData("2024-02-29", "2024-02-29")]
    [InlineData("2024-01-31T14:30:00Z", "2024-01-31T14:30:00Z")]
    [InlineData("2024-01-31T14:30:00", "2024-01-31T14:30:00Z")]
    [InlineData("2024-01-31T14:30:00.250Z", "2024-01-31T14:30:00.25Z")]
    [InlineData("2024-01-31T14:30:00.1234567Z", "2024-01-31T14:30:00.1234567Z")]
    [InlineData("2024-01-31T14:30:00.000Z", "2024-01-31T14:30:00Z")]
    [InlineData("2024-01-31T01:30:00+02:00", "2024-01-30T23:30:00Z")]
    [InlineData("2024-12-31T23:30:00-05:30", "2025-01-01T05:00:00Z")]
    [InlineData(" 2024-01-31T14:30:00Z ", "2024-01-31T14:30:00Z")]
    public void Iso_text_is_stored_as_utc(string text, string expected)
    {
        Assert.Equal(expected, Stored(text));
        Assert.Equal(expected, General(text));
    }

    [Theory]
    [InlineData("2023-02-29")]
    [InlineData("2024-13-01")]
    [InlineData("2024-00-10")]
    [InlineData("0000-01-01")]
    [InlineData("2024-01-31T25:00:00Z")]
    [InlineData("2024-01-31T14:60:00Z")]
    [InlineData("2024-01-31T14:30:00+15:00")]
    [InlineData("0001-01-01T00:30:00+01:00")]
    [InlineData("9999-12-31T23:30:00-01:00")]
    [InlineData("2024-01-31T14:30:00.Z")]
    [InlineData("2024-01-31T14:30:00ZZ")]
    [InlineData("2024-1-31x")]
    public void Impossible_dates_fail_as_the_general_parse_does(string text)
    {
        Assert.Null(General(text));
        Assert.Null(Stored(text));
    }

    [Theory]
    [InlineData("2024-01-31T14:30:00.12345678Z")]
    [InlineData("2024-01-31 14:30:00")]
    [InlineData("2024-01-31t14:30:00z")]
    [InlineData("01/31/2024 14:30")]
    [InlineData("2024-01-31T14:30Z")]
    [InlineData("2024-01-31T14:30:00+0200")]
    [InlineData("31 Jan 2024")]
    [InlineData("2024-01-31T14:30:00+14:00")]
    public void Other_forms_still_go_through_the_general_parse(string text) => Assert.Equal(General(text), Stored(text));

    [Fact]
    public void Random_iso_moments_match_the_general_parse()
    {
        var random = new Random(11);
        string[] offsets = ["", "Z", "+00:00", "+05:45", "-03:00", "+14:00", "-12:00"];
        for (var i = 0; i < 20_000; i++)
        {
            var local = new DateTime(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay));
            var fraction = random.Next(8) switch { 0 => "", var digits => "." + (local.Ticks % 10_000_000).ToString("D7", CultureInfo.InvariantCulture)[..digits] };
            var text = local.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + fraction + offsets[random.Next(offsets.Length)];
            Assert.Equal(General(text), Stored(text));
            var date = local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Assert.Equal(General(date), Stored(date));
        }
    }
}
