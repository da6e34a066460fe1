using System.Text;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Engine;

/// <summary>
/// The memory bounds end to end through the engine (on SQLite and PostgreSQL): a field over
/// JobTracker:MaxFieldBytes, a row over JobTracker:MaxColumns and a row over JobTracker:MaxRowBytes
/// each fail as a row with the reason; the rest of the file imports and the counts agree.
/// </summary>
public sealed class WideRowTests : IDisposable
{
    private static readonly SchemaField[] Schema = [new("customerId", FieldTypes.String, true), new("notes", FieldTypes.String, false)];

    private readonly EngineHost engine = new(batchSize: 1000, settings: new Dictionary<string, string?>
    {
        ["JobTracker:MaxFieldBytes"] = "1000",
        ["JobTracker:MaxColumns"] = "5",
        ["JobTracker:BatchMaxBytes"] = "1500",
    });

    public void Dispose() => engine.Dispose();

    [Fact]
    public async Task A_field_over_the_limit_and_a_row_over_the_column_limit_fail_as_rows_and_the_rest_imports()
    {
        var collection = engine.CreateCollection("Wide", "customerId", Schema);
        var lines = new StringBuilder();
        for (int i = 1; i <= 30; i++)
        {
            var notes = i == 7 ? new string('n', 1001) : i == 8 ? new string('n', 1000) : $"note {i}";
            var extra = i == 12 ? ",\"a\":1,\"b\":2,\"c\":3,\"d\":4" : i == 13 ? ",\"a\":1,\"b\":2,\"c\":3" : "";
            lines.Append($"{{\"customerId\":\"W{i:D2}\",\"notes\":\"{notes}\"{extra}}}\n");
        }
        var jobId = await engine.SubmitAsync(collection, "wide.jsonl", lines.ToString());
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.RanWithErrors, jobId);
        Assert.Equal((30L, 28L, 2L), (job.TotalRows!.Value, job.SucceededRows, job.FailedRows));
        Assert.True(engine.Batches(jobId).Count >= 3, "batches are cut at 1,500 bytes");
        var failed = (await engine.AuditRowsAsync(jobId)).Skip(1).Where(l => l[3] == "failed").Select(l => (l[0], l[2], l[4], l[5]));
        Assert.Equal(
        [
            ("7", "W07", "notes", "The field 'notes' is 1,001 bytes; the limit is 1,000 bytes (JobTracker:MaxFieldBytes)."),
            ("12", "W12", "", "The row has 6 columns; the limit is 5 (JobTracker:MaxColumns)."),
        ], failed);
        Assert.Equal(28, engine.Records(collection).Count);
        Assert.Equal(28, engine.RecordCount(collection));
    }

    [Fact]
    public async Task A_csv_file_whose_header_has_more_columns_than_the_limit_fails_with_the_reason()
    {
        var collection = engine.CreateCollection("Wide", "customerId", Schema);
        var jobId = await engine.SubmitAsync(collection, "wide.csv", "customerId,notes,a,b,c,d\nW1,x,1,2,3,4\n");
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);
        var job = engine.AssertStatus(Status.Failed, jobId);
        Assert.Equal("The header (line 1) has 6 columns; the limit is 5 (JobTracker:MaxColumns).", job.StatusReason);
    }
}

/// <summary>A 50 MB row among ordinary rows, with the default limits: it fails as one row, unread; the others import.</summary>
public sealed class HugeRowTests : IDisposable
{
    private readonly EngineHost engine = new();

    public void Dispose() => engine.Dispose();

    [Theory]
    [InlineData("huge.csv")]
    [InlineData("huge.json")]
    public async Task A_50_MB_row_fails_as_one_row_with_the_reason_and_the_others_import(string fileName)
    {
        var collection = engine.CreateCollection("Huge", "customerId", new SchemaField("customerId", FieldTypes.String, true), new SchemaField("notes", FieldTypes.String, false));
        var huge = new string('h', 50 << 20);
        var rows = Enumerable.Range(1, 5).Select(i => (Key: $"H{i}", Notes: i == 3 ? huge : $"note {i}")).ToList();
        var content = fileName.EndsWith(".csv", StringComparison.Ordinal)
            ? "customerId,notes\n" + string.Concat(rows.Select(r => $"{r.Key},{r.Notes}\n"))
            : "[\n" + string.Join(",\n", rows.Select(r => $"{{\"customerId\":\"{r.Key}\",\"notes\":\"{r.Notes}\"}}")) + "\n]\n";
        var jobId = await engine.SubmitAsync(collection, fileName, content);
        content = null;
        huge = null;
        await engine.Runner.RunUntilIdleAsync(CancellationToken.None);

        var job = engine.AssertStatus(Status.RanWithErrors, jobId);
        Assert.Equal((5L, 4L, 1L), (job.TotalRows!.Value, job.SucceededRows, job.FailedRows));
        Assert.Equal([2, 1, 2], engine.Batches(jobId).Select(b => b.RowCount));
        var failed = Assert.Single((await engine.AuditRowsAsync(jobId)).Skip(1), l => l[3] == "failed");
        Assert.Equal("3", failed[0]);
        Assert.Matches(@"^The row is 50(\.0)? MB; the limit is 16 MB \(JobTracker:MaxRowBytes\)\. It was not read\.$", failed[5]);
        Assert.Equal(["H1", "H2", "H4", "H5"], engine.Records(collection).Keys.Order());
    }
}
