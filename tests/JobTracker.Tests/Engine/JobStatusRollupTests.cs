using JobTracker.Db;
using JobTracker.Jobs.Running;

namespace JobTracker.Tests.Engine;

public sealed class JobStatusRollupTests
{
    [Theory]
    [InlineData(10, 0, Status.Completed)]
    [InlineData(7, 3, Status.RanWithErrors)]
    [InlineData(0, 10, Status.Failed)]
    [InlineData(0, 0, Status.Completed)]
    public void Batch_status_follows_its_row_counts(int succeeded, int failed, string expected) =>
        Assert.Equal(expected, JobStatusRollup.ForFinishedBatch(succeeded, failed));

    [Theory]
    [InlineData(100, 100, 0, Status.Completed)]
    [InlineData(100, 99, 1, Status.RanWithErrors)]
    [InlineData(100, 0, 100, Status.Failed)]
    public void Job_status_follows_its_row_counts(long total, long succeeded, long failed, string expected)
    {
        Assert.Equal(expected, JobStatusRollup.ForFinishedJob(total, succeeded, failed));
        Assert.Equal(failed == 0, JobStatusRollup.ReasonForFinishedJob(total, succeeded, failed) is null);
    }

    [Fact]
    public void Finished_statuses_are_the_four_final_ones()
    {
        Assert.All(new[] { Status.Completed, Status.Canceled, Status.RanWithErrors, Status.Failed }, s => Assert.True(Status.IsFinished(s)));
        Assert.All(new[] { Status.Queued, Status.InProgress }, s => Assert.False(Status.IsFinished(s)));
    }
}
