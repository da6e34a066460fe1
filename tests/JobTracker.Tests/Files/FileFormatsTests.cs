using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

public class FileFormatsTests
{
    [Theory]
    [InlineData("orders.csv", FileFormat.Csv)]
    [InlineData("ORDERS.CSV", FileFormat.Csv)]
    [InlineData("a.b.Json", FileFormat.Json)]
    [InlineData("events.jsonl", FileFormat.JsonLines)]
    [InlineData("events.NDJSON", FileFormat.JsonLines)]
    [InlineData("C:\\uploads\\x.csv", FileFormat.Csv)]
    public void Known_extensions(string name, FileFormat format) => Assert.Equal(format, FileFormats.FromFileName(name));

    [Theory]
    [InlineData("orders.xlsx")]
    [InlineData("orders.csv.zip")]
    [InlineData("csv")]
    [InlineData("orders.")]
    [InlineData("")]
    public void Other_names_are_not_imported(string name) => Assert.Null(FileFormats.FromFileName(name));

    [Fact]
    public void Labels()
    {
        Assert.Equal("CSV", FileFormats.Label(FileFormat.Csv));
        Assert.Equal("JSON", FileFormats.Label(FileFormat.Json));
        Assert.Equal("JSON Lines", FileFormats.Label(FileFormat.JsonLines));
    }
}
