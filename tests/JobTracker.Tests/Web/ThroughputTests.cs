using JobTracker.Web.Pages.Jobs;

namespace JobTracker.Tests.Web;

/// <summary>The progress figures of Job Details (rate, time left, chart bars), from fixed times.</summary>
public sealed class ThroughputTests
{
    private static readonly DateTime Start = new(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc);

    private static Throughput.Finish At(double seconds, long rows) => new() { FinishedAt = Start.AddSeconds(seconds), Rows = rows };

    [Fact]
    public void A_job_that_has_not_started_has_no_figures()
    {
        Assert.Null(Throughput.Of(null, null, 100, [], Start));
    }

    [Fact]
    public void A_young_running_job_is_measured_since_its_start_and_its_time_left_is_remaining_rows_over_that_rate()
    {
        var progress = Throughput.Of(Start, null, 1000, [At(2, 100), At(4, 100), At(8, 100)], Start.AddSeconds(10))!;

        Assert.True(progress.Running);
        Assert.Equal(30, progress.RowsPerSecond);
        Assert.Equal("30 rows/s", progress.RateText);
        Assert.Equal(TimeSpan.FromSeconds(700.0 / 30), progress.TimeLeft);
        Assert.Equal("about 20 seconds left", progress.TimeLeftText);
        Assert.Equal(TimeSpan.FromSeconds(0.5), progress.Interval);
        Assert.Equal(20, progress.Bars.Count);
        Assert.Equal([4, 8, 16], progress.Bars.Select((b, i) => (b, i)).Where(x => x.b.Rows > 0).Select(x => x.i));
        Assert.All(progress.Bars.Where(b => b.Rows > 0), b => Assert.Equal(100, b.Rows));
        Assert.Equal(Start.AddSeconds(2), progress.Bars[4].Start);
    }

    [Fact]
    public void An_older_running_job_is_measured_over_the_last_30_seconds_only()
    {
        // 40 rows every 10 s for 5 minutes, 50 for the last three: those three are in the window.
        var finishes = Enumerable.Range(1, 30).Select(i => At(i * 10, i > 27 ? 50 : 40)).ToList();

        var progress = Throughput.Of(Start, null, 6000, finishes, Start.AddSeconds(300))!;

        Assert.Equal(5, progress.RowsPerSecond);
        Assert.Equal(27 * 40 + 3 * 50, progress.Rows);
        Assert.Equal(TimeSpan.FromSeconds((6000 - progress.Rows) / 5.0), progress.TimeLeft);
        Assert.Equal("about 16 minutes left", progress.TimeLeftText);
        Assert.Equal(TimeSpan.FromSeconds(10), progress.Interval);
        Assert.Equal("10 s", progress.IntervalText);
        Assert.Equal(30, progress.Bars.Count);
        // The batch that finished at "now" lands in the last bar, not past it.
        Assert.Equal([0L, .. Enumerable.Repeat(40L, 27), 50, 100], progress.Bars.Select(b => b.Rows));
        Assert.Equal(100, progress.MaxBarRows);
    }

    [Theory]
    [InlineData(1.5, true)]   // younger than 2 s
    [InlineData(10, false)]   // no batch has finished yet
    public void A_running_job_without_enough_data_reads_a_dash(double ageSeconds, bool withBatch)
    {
        var progress = Throughput.Of(Start, null, 1000, withBatch ? [At(1, 100)] : [], Start.AddSeconds(ageSeconds))!;

        Assert.Null(progress.RowsPerSecond);
        Assert.Equal("—", progress.RateText);
        Assert.Null(progress.TimeLeft);
        Assert.Equal("—", progress.TimeLeftText);
        Assert.NotEmpty(progress.Bars);
    }

    [Fact]
    public void A_running_job_whose_batches_stalled_has_a_rate_of_zero_and_no_time_left()
    {
        var progress = Throughput.Of(Start, null, 1000, [At(5, 100)], Start.AddSeconds(60))!;

        Assert.Equal(0, progress.RowsPerSecond);
        Assert.Equal("0 rows/s", progress.RateText);
        Assert.Equal("—", progress.TimeLeftText);
    }

    [Fact]
    public void A_running_job_of_unknown_size_has_a_rate_but_no_time_left()
    {
        var progress = Throughput.Of(Start, null, null, [At(2, 10)], Start.AddSeconds(4))!;

        Assert.Equal("2.5 rows/s", progress.RateText);
        Assert.Null(progress.TimeLeft);
    }

    [Fact]
    public void A_finished_job_shows_its_average_and_a_chart_from_start_to_end()
    {
        var progress = Throughput.Of(Start, Start.AddMinutes(2), 12000, [At(30, 4000), At(60, 4000), At(119, 4000)], Start.AddHours(5))!;

        Assert.False(progress.Running);
        Assert.Equal(100, progress.RowsPerSecond);
        Assert.Equal("100 rows/s", progress.RateText);
        Assert.Null(progress.TimeLeft);
        Assert.Equal(Start.AddMinutes(2), progress.End);
        Assert.Equal(TimeSpan.FromSeconds(5), progress.Interval);
        Assert.Equal(24, progress.Bars.Count);
        Assert.Equal(12000, progress.Bars.Sum(b => b.Rows));
        Assert.Equal(4000, progress.Bars[23].Rows);
    }

    [Fact]
    public void A_job_that_finished_the_instant_it_started_has_one_bar_and_no_average()
    {
        var progress = Throughput.Of(Start, Start, 0, [], Start.AddSeconds(1))!;

        Assert.Single(progress.Bars);
        Assert.Equal("—", progress.RateText);
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(3, 0.1)]
    [InlineData(3.01, 0.2)]
    [InlineData(300, 10)]
    [InlineData(301, 15)]
    [InlineData(3600, 120)]
    [InlineData(30 * 86400, 86400)]
    [InlineData(31 * 86400, 2 * 86400)]
    public void The_interval_is_the_smallest_round_one_giving_at_most_30_bars(double spanSeconds, double intervalSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(intervalSeconds), Throughput.IntervalFor(TimeSpan.FromSeconds(spanSeconds)));
    }

    [Theory]
    [InlineData(3, "a few seconds")]
    [InlineData(24, "about 20 seconds")]
    [InlineData(50, "about 50 seconds")]
    [InlineData(56, "about 1 minute")]
    [InlineData(130, "about 2 minutes")]
    [InlineData(2 * 3600 + 100, "about 2 hours")]
    [InlineData(3 * 86400, "about 3 days")]
    public void Time_left_reads_as_a_rough_duration(double seconds, string text)
    {
        Assert.Equal(text, Throughput.Describe(TimeSpan.FromSeconds(seconds)));
    }
}
