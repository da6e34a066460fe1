using System.Text;
using System.Text.Json;
using JobTracker.Jobs.Files;
using static JobTracker.Tests.Files.TestFiles;

namespace JobTracker.Tests.Files;

public class JsonSplitTests
{
    private static string[] Raw(List<ImportRow> rows) => rows.Select(r => r.Json.GetRawText()).ToArray();

    [Theory]
    [InlineData(false, "\n")]
    [InlineData(true, "\r\n")]
    public void Json_array_splits_at_items_and_reads_back(bool bom, string eol)
    {
        var text = "[" + eol +
                   "  {\"id\": 1, \"tags\": [\"a\", {\"deep\": true}]}," + eol +
                   "  {\"id\": 2, \"text\": \"with ] and } and \\\" inside\"}," + eol +
                   "  {}" + eol +
                   "  ,{\"id\": 4}" + eol +
                   "]" + eol;
        using var file = new TempFile(text, bom);
        var split = Split(file, FileFormat.Json, batchSize: 2);

        Assert.Null(split.CsvHeader);
        Assert.Equal(4, split.TotalRows);
        Assert.Equal([2, 2], split.Batches.Select(b => b.RowCount));
        Assert.Equal([1L, 3], split.Batches.Select(b => b.FirstRow));
        Assert.Equal([2L, 4], split.Batches.Select(b => b.FirstLine));
        Assert.Equal((bom ? 3 : 0) + 1 + eol.Length + 2, split.Batches[0].ByteOffset);
        Assert.Equal("{\"id\": 1, \"tags\": [\"a\", {\"deep\": true}]}," + eol + "  {\"id\": 2, \"text\": \"with ] and } and \\\" inside\"}",
            SliceText(file, split.Batches[0]));
        Assert.Equal("{}" + eol + "  ,{\"id\": 4}", SliceText(file, split.Batches[1]));

        var rows = ReadAll(file, FileFormat.Json, split);
        Assert.Equal(["{\"id\": 1, \"tags\": [\"a\", {\"deep\": true}]}", "{\"id\": 2, \"text\": \"with ] and } and \\\" inside\"}", "{}", "{\"id\": 4}"], Raw(rows));
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Object, r.Json.ValueKind));
    }

    [Fact]
    public void Json_rows_outlive_the_enumeration()
    {
        using var file = new TempFile("[{\"a\":1},{\"a\":2}]");
        var split = Split(file, FileFormat.Json);
        List<ImportRow> rows;
        using (var stream = file.Open()) rows = SliceReader.Read(stream, FileFormat.Json, null, split.Batches[0]).ToList();
        Assert.Equal([1, 2], rows.Select(r => r.Json.GetProperty("a").GetInt32()));
    }

    [Fact]
    public void Large_json_with_long_values_round_trips_across_chunks()
    {
        var sb = new StringBuilder("[");
        var expected = new List<string>();
        for (int i = 0; i < 3000; i++)
        {
            // Some values are longer than the 64 KiB read buffer.
            var text = i % 500 == 7 ? new string('é', 70_000) : $"row {i} 日本語 🙂";
            var item = $"{{\"id\":{i},\"text\":\"{text}\",\"n\":[1,2,{{\"x\":null}}]}}";
            expected.Add(item);
            sb.Append(i == 0 ? "\n" : ",\n").Append(item);
        }
        sb.Append("\n]");
        using var file = new TempFile(sb.ToString());
        var split = Split(file, FileFormat.Json, batchSize: 1000);

        Assert.Equal(3000, split.TotalRows);
        Assert.Equal([2L, 1002, 2002], split.Batches.Select(b => b.FirstLine));
        Assert.Equal(expected, Raw(ReadAll(file, FileFormat.Json, split)));
    }

    [Theory]
    [InlineData(false, "\n", true)]
    [InlineData(false, "\n", false)]
    [InlineData(true, "\r\n", true)]
    [InlineData(true, "\r\n", false)]
    public void Json_lines_splits_at_non_blank_lines(bool bom, string eol, bool finalNewline)
    {
        var text = string.Join(eol, "{\"id\":1}", "", "  {\"id\":2}  ", "   ", "{\"id\":3}", "{\"id\":4}", "{\"id\":5}") + (finalNewline ? eol : "");
        using var file = new TempFile(text, bom);
        var split = Split(file, FileFormat.JsonLines, batchSize: 2);

        Assert.Null(split.CsvHeader);
        Assert.Equal(5, split.TotalRows);
        Assert.Equal([1L, 5, 7], split.Batches.Select(b => b.FirstLine));
        Assert.Equal([1L, 3, 5], split.Batches.Select(b => b.FirstRow));
        Assert.Equal(bom ? 3 : 0, split.Batches[0].ByteOffset);
        Assert.Equal("{\"id\":1}" + eol + eol + "  {\"id\":2}  ", SliceText(file, split.Batches[0]));
        Assert.Equal("{\"id\":5}", SliceText(file, split.Batches[2]));

        var rows = ReadAll(file, FileFormat.JsonLines, split);
        Assert.Equal([1, 2, 3, 4, 5], rows.Select(r => r.Json.GetProperty("id").GetInt32()));
    }

    [Fact]
    public void Json_lines_invalid_line_is_a_row_error_not_a_file_error()
    {
        var text = "{\"id\":1}\n{\"id\":2,}\n\n[1,2]\n42\n{\"id\":3} x\nnot json\n{\"id\":4}\n";
        using var file = new TempFile(text);
        var split = Split(file, FileFormat.JsonLines, batchSize: 3);
        Assert.Equal(7, split.TotalRows);

        var rows = ReadAll(file, FileFormat.JsonLines, split);
        Assert.Null(rows[0].Error);
        Assert.StartsWith("Line 2 is not a valid JSON object: ", rows[1].Error);
        Assert.Equal("Line 4 is not a valid JSON object: it is an array.", rows[2].Error);
        Assert.Equal("Line 5 is not a valid JSON object: it is a number.", rows[3].Error);
        Assert.StartsWith("Line 6 is not a valid JSON object: ", rows[4].Error);
        Assert.StartsWith("Line 7 is not a valid JSON object: ", rows[5].Error);
        Assert.DoesNotContain("LineNumber", rows[5].Error);
        Assert.Null(rows[6].Error);
        Assert.Equal(4, rows[6].Json.GetProperty("id").GetInt32());
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], rows.Select(r => r.RowNumber));
    }
}
