using System.Globalization;

namespace JobTracker.Web.Pages.Jobs;

/// <summary>
/// A job's progress figures, computed from the rows Job Details reads (no state of its own):
/// rows per second, the time left, and the rows committed per interval for the throughput chart.
/// A running job's rate counts the rows of batches finished in the last <see cref="Window"/>
/// (or since the start, when the job is younger) over that time; a finished job's rate is its
/// average, all rows over start to end. Until there is enough data a figure is null and reads "—".
/// </summary>
public sealed class Throughput
{
    /// <summary>The recent past a running job's rate is measured over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>A running job younger than this has no rate yet.</summary>
    public static readonly TimeSpan MinimumElapsed = TimeSpan.FromSeconds(2);

    /// <summary>The chart has at most this many bars; the interval is the smallest round one that fits.</summary>
    public const int MaxBars = 30;

    private static readonly TimeSpan[] Intervals =
        [.. new[] { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400 }.Select(TimeSpan.FromSeconds)];

    /// <summary>A finished batch: when it finished and the rows it processed (succeeded and failed).</summary>
    public sealed record Finish
    {
        public DateTime FinishedAt { get; init; }
        public long Rows { get; init; }
    }

    /// <summary>One bar of the chart: the rows of batches that finished in [Start, Start + Interval).</summary>
    public sealed record Bar(DateTime Start, long Rows);

    private Throughput(DateTime start, DateTime end, bool running, TimeSpan interval, IReadOnlyList<Bar> bars,
        long rows, double? rowsPerSecond, TimeSpan? timeLeft)
    {
        Start = start;
        End = end;
        Running = running;
        Interval = interval;
        Bars = bars;
        Rows = rows;
        RowsPerSecond = rowsPerSecond;
        TimeLeft = timeLeft;
    }

    /// <summary>The job's start.</summary>
    public DateTime Start { get; }

    /// <summary>The job's end, or now while it runs.</summary>
    public DateTime End { get; }

    public bool Running { get; }

    /// <summary>The time each bar covers.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The bars, in time order, from <see cref="Start"/>; at least one, at most <see cref="MaxBars"/>.</summary>
    public IReadOnlyList<Bar> Bars { get; }

    /// <summary>Rows of all finished batches.</summary>
    public long Rows { get; }

    /// <summary>The recent rate (running) or the average (finished); null until there is enough data.</summary>
    public double? RowsPerSecond { get; }

    /// <summary>A running job's remaining rows over its recent rate; null when unknown.</summary>
    public TimeSpan? TimeLeft { get; }

    /// <summary>The tallest bar's rows (at least 1, so that bar heights divide by it).</summary>
    public long MaxBarRows => Math.Max(1, Bars.Max(b => b.Rows));

    /// <summary>
    /// The figures of a job, or null when it has not started. <paramref name="finishes"/> are its
    /// committed batches (finished and not canceled); <paramref name="now"/> ends a running job's chart.
    /// </summary>
    public static Throughput? Of(DateTime? startedAt, DateTime? finishedAt, long? totalRows, IEnumerable<Finish> finishes, DateTime now)
    {
        if (startedAt is not { } start) return null;
        var running = finishedAt is null;
        var end = finishedAt ?? now;
        if (end < start) end = start;
        var batches = finishes.ToList();
        var rows = batches.Sum(b => b.Rows);

        var span = end - start;
        var interval = IntervalFor(span);
        var count = Math.Max(1, (int)Math.Ceiling(span / interval));
        var perBar = new long[count];
        foreach (var batch in batches)
        {
            var index = (int)Math.Floor((batch.FinishedAt - start) / interval);
            perBar[Math.Clamp(index, 0, count - 1)] += batch.Rows;
        }
        var bars = perBar.Select((r, i) => new Bar(start + interval * i, r)).ToList();

        double? rate;
        TimeSpan? timeLeft = null;
        if (running)
        {
            var measured = span < Window ? span : Window;
            var recent = batches.Where(b => b.FinishedAt > end - measured).Sum(b => b.Rows);
            rate = span < MinimumElapsed || rows == 0 ? null : recent / measured.TotalSeconds;
            if (rate > 0 && totalRows is { } total)
                timeLeft = TimeSpan.FromSeconds(Math.Max(0, total - rows) / rate.Value);
        }
        else
        {
            rate = span > TimeSpan.Zero ? rows / span.TotalSeconds : null;
        }
        return new Throughput(start, end, running, interval, bars, rows, rate, timeLeft);
    }

    /// <summary>The smallest round interval that divides <paramref name="span"/> into at most <see cref="MaxBars"/> bars.</summary>
    public static TimeSpan IntervalFor(TimeSpan span)
    {
        foreach (var interval in Intervals)
            if (span <= interval * MaxBars) return interval;
        return TimeSpan.FromDays(Math.Ceiling(span.TotalDays / MaxBars));
    }

    /// <summary>"1,234 rows/s", "0.5 rows/s", or "—".</summary>
    public string RateText => RowsPerSecond is { } rate
        ? (rate >= 10 ? rate.ToString("N0", CultureInfo.InvariantCulture) : rate.ToString("0.#", CultureInfo.InvariantCulture)) + " rows/s"
        : "—";

    /// <summary>"about 2 minutes left", "a few seconds left", or "—".</summary>
    public string TimeLeftText => TimeLeft is { } left ? Describe(left) + " left" : "—";

    /// <summary>A rough duration: "a few seconds", "about 40 seconds", "about 1 minute", "about 3 hours", "about 2 days".</summary>
    public static string Describe(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 10 => "a few seconds",
        < 55 => $"about {Math.Round(duration.TotalSeconds / 10) * 10:0} seconds",
        < 90 * 60 => Plural(Math.Max(1, Math.Round(duration.TotalMinutes)), "minute"),
        < 36 * 3600 => Plural(Math.Round(duration.TotalHours), "hour"),
        _ => Plural(Math.Round(duration.TotalDays), "day"),
    };

    /// <summary>The interval as the chart's caption reads it: "0.5 s", "5 s", "2 min", "1 h", "1 d".</summary>
    public string IntervalText => Interval switch
    {
        { TotalDays: >= 1 } i when i.TotalDays % 1 == 0 => $"{i.TotalDays:0} d",
        { TotalHours: >= 1 } i when i.TotalHours % 1 == 0 => $"{i.TotalHours:0} h",
        { TotalMinutes: >= 1 } i when i.TotalMinutes % 1 == 0 => $"{i.TotalMinutes:0} min",
        var i => i.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s",
    };

    private static string Plural(double value, string unit) =>
        $"about {value.ToString("0", CultureInfo.InvariantCulture)} {unit}{(value == 1 ? "" : "s")}";
}
