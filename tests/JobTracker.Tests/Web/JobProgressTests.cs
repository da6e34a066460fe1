using System.Text.RegularExpressions;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Pages.Jobs;

namespace JobTracker.Tests.Web;

/// <summary>Job Details' progress figures and throughput chart, over real HTTP, for a real import.</summary>
public sealed class JobProgressTests(MixedJobFixture fixture) : IClassFixture<MixedJobFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task A_finished_import_shows_its_average_rate_and_a_bar_per_interval_of_its_committed_rows()
    {
        using var support = await App.SignInAsAsync(Roles.Support);
        var job = App.Job(fixture.JobId);
        var batches = App.Batches(fixture.JobId);
        var expected = Throughput.Of(job.StartedAt, job.FinishedAt, job.TotalRows,
            batches.Select(b => new Throughput.Finish { FinishedAt = b.FinishedAt!.Value, Rows = b.SucceededRows + b.FailedRows }), DateTime.UtcNow)!;

        var page = await support.GetStringAsync($"/Jobs/{fixture.JobId}");
        using var htmx = await JobTrackerApp.GetHtmxAsync(support, $"/Jobs/{fixture.JobId}");
        var partial = await htmx.Content.ReadAsStringAsync();

        foreach (var answer in new[] { page, partial })
        {
            Assert.Matches(@"^[0-9][0-9,]*(\.[0-9])? rows/s$", Html.Text(answer, "rows-per-second"));
            Assert.Equal(expected.RateText, Html.Text(answer, "rows-per-second"));
            Assert.Contains("Average Rows per Second", answer);
            Assert.Empty(Html.Tags(answer, "time-left"));

            var chart = Html.Tags(answer, "throughput-chart").Single();
            var bars = Html.Tags(answer, "throughput-bar");
            Assert.Equal(expected.Bars.Count, bars.Count);
            Assert.Equal(expected.Bars.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Html.Attribute(chart, "data-bars"));
            Assert.InRange(bars.Count, 1, Throughput.MaxBars);
            Assert.Equal(expected.Bars.Select(b => b.Rows), bars.Select(b => long.Parse(Html.Attribute(b, "data-rows")!, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(60, bars.Sum(b => long.Parse(Html.Attribute(b, "data-rows")!, System.Globalization.CultureInfo.InvariantCulture)));
            // Accessible: the SVG is an image labelled by its <title>, and the caption says it in words.
            Assert.Matches("<svg [^>]*role=\"img\"[^>]*aria-labelledby=\"throughput-title\"", answer);
            Assert.Matches("<title id=\"throughput-title\">Rows committed per [^<]+: 60 rows", answer);
            Assert.StartsWith("Rows committed per ", Html.Text(answer, "throughput-caption"));
        }
    }

    [Fact]
    public async Task A_running_job_without_committed_batches_reads_a_dash_for_its_rate_and_time_left()
    {
        using var admin = await App.SignInAsync();
        var running = App.InsertBlockingJob(App.CreateCollection());
        try
        {
            var page = await admin.GetStringAsync($"/Jobs/{running}");

            Assert.Equal("—", Html.Text(page, "rows-per-second"));
            Assert.Equal("—", Html.Text(page, "time-left"));
            Assert.DoesNotContain("Average Rows per Second", page);
            Assert.All(Html.Tags(page, "throughput-bar"), b => Assert.Equal("0", Html.Attribute(b, "data-rows")));
            Assert.Single(Html.Tags(page, "throughput-chart"));
        }
        finally
        {
            await App.StopJobAsync(running);
        }
    }

    [Fact]
    public async Task A_queued_job_has_no_progress_figures()
    {
        using var admin = await App.SignInAsync();
        // Behind a job held by another node, so that no worker here starts it.
        var collectionId = App.CreateCollection();
        var blocking = App.InsertBlockingJob(collectionId);
        var queued = App.InsertJob(collectionId, Status.Queued);
        try
        {
            var page = await admin.GetStringAsync($"/Jobs/{queued}");

            Assert.Equal(Status.Queued, Html.Text(page, "job-status"));
            Assert.Empty(Html.Tags(page, "rows-per-second"));
            Assert.Empty(Html.Tags(page, "throughput-chart"));
            Assert.DoesNotMatch(new Regex("<svg"), page);
        }
        finally
        {
            await App.StopJobAsync(blocking);
            await App.StopJobAsync(queued);
        }
    }
}
