using System.Text;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

/// <summary>
/// An import reads CSV rows into one reused buffer (<see cref="CsvFields"/>, SliceReader's reuseRows): each row, read
/// before the next, has exactly the fields (and errors) of the same row read as strings.
/// </summary>
public sealed class ReusedCsvRowTests
{
    private static (List<string[]?> Values, List<string?> Errors) ReadBothWays(string csv, bool reuse)
    {
        using var file = new TempFile(csv);
        var split = TestFiles.Split(file, FileFormat.Csv, batchSize: 3);
        var values = new List<string[]?>();
        var errors = new List<string?>();
        using var stream = file.Open();
        foreach (var slice in split.Batches)
        {
            foreach (var row in SliceReader.Read(stream, FileFormat.Csv, split.CsvHeader, slice, ImportLimits.Default, reuseRows: reuse))
            {
                Assert.Equal(reuse && row.Error is null, row.CsvFields is not null);
                values.Add(row.CsvFields is { } fields ? Enumerable.Range(0, fields.Count).Select(i => fields[i].ToString()).ToArray() : row.CsvValues);
                errors.Add(row.Error);
            }
        }
        return (values, errors);
    }

    [Fact]
    public void Each_reused_row_has_the_fields_of_the_row_read_as_strings()
    {
        var columns = Enumerable.Range(1, 20).Select(i => $"c{i}").ToArray();
        var csv = new StringBuilder(string.Join(',', columns) + "\n");
        csv.Append(string.Join(',', columns.Select((_, i) => $"v{i}")) + "\n");
        csv.Append(string.Join(',', columns.Select((_, i) => i == 3 ? "\"a, \"\"quoted\"\"\nline\"" : i == 7 ? new string('x', 3000) : "")) + "\n");
        csv.Append("\n");                                             // a blank line: not a row
        csv.Append("too,few\n");                                      // a row that fails
        csv.Append(string.Join(',', columns.Select((_, i) => $"é{i}ü")) + "\n");
        csv.Append(string.Join(',', columns.Select(_ => "s")) + "\n"); // shorter than the rows before it

        var strings = ReadBothWays(csv.ToString(), reuse: false);
        var reused = ReadBothWays(csv.ToString(), reuse: true);

        Assert.Equal(5, strings.Values.Count);
        Assert.Equal(strings.Errors, reused.Errors);
        Assert.Equal(strings.Values, reused.Values);
        Assert.Equal("a, \"quoted\"\nline", reused.Values[1]![3]);
        Assert.Equal(3000, reused.Values[1]![7].Length);
        Assert.Equal("s", reused.Values[4]![19]);
    }
}
