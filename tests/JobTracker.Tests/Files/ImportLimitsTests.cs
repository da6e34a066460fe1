using System.Text;
using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Files;
using static JobTracker.Tests.Files.TestFiles;

namespace JobTracker.Tests.Files;

/// <summary>Batches cut by bytes as well as rows; rows too long, too wide, too deep or with fields too long fail as rows.</summary>
public class ImportLimitsTests
{
    private static ImportLimits Limits(long batchMaxBytes = 8 << 20, long maxRowBytes = 16 << 20, long maxFieldBytes = 1 << 20, int maxColumns = 1000, int maxJsonDepth = 64) =>
        new(batchMaxBytes, maxRowBytes, maxFieldBytes, maxColumns, maxJsonDepth);

    private static SplitResult SplitWith(TempFile file, FileFormat format, ImportLimits limits, int batchSize = 1000)
    {
        using var stream = file.Open();
        return FileSplitter.Split(stream, format, batchSize, null, limits, CancellationToken.None);
    }

    private static List<ImportRow> ReadWith(TempFile file, FileFormat format, SplitResult split, ImportLimits limits)
    {
        using var stream = file.Open();
        var rows = new List<ImportRow>();
        foreach (var slice in split.Batches)
        {
            var batch = SliceReader.Read(stream, format, split.CsvHeader, slice, limits).ToList();
            Assert.Equal(slice.RowCount, batch.Count);
            rows.AddRange(batch);
        }
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => r.RowNumber));
        return rows;
    }

    [Theory]
    [InlineData(FileFormat.Csv)]
    [InlineData(FileFormat.JsonLines)]
    [InlineData(FileFormat.Json)]
    public void A_batch_ends_at_the_byte_limit_before_the_row_limit_and_a_longer_row_is_a_batch_of_its_own(FileFormat format)
    {
        // Rows of about 100 bytes, a 1,000-byte limit, one row of 3,000 bytes in the middle.
        var rows = Enumerable.Range(1, 40).Select(i => i == 20 ? new string('w', 3000) : $"r{i:D3}-" + new string('x', 90)).ToList();
        var text = format switch
        {
            FileFormat.Csv => "text\n" + string.Concat(rows.Select(r => r + "\n")),
            FileFormat.JsonLines => string.Concat(rows.Select(r => $"{{\"text\":\"{r}\"}}\n")),
            _ => "[\n" + string.Join(",\n", rows.Select(r => $"{{\"text\":\"{r}\"}}")) + "\n]\n",
        };
        using var file = new TempFile(text);
        var split = SplitWith(file, format, Limits(batchMaxBytes: 1000), batchSize: 100);

        Assert.Equal(40, split.TotalRows);
        Assert.All(split.Batches, b => Assert.True(b.ByteLength <= 1000 || b.RowCount == 1, $"batch {b.BatchNo}: {b.ByteLength} bytes, {b.RowCount} rows"));
        Assert.True(split.Batches.Count >= 5, $"{split.Batches.Count} batches");
        var wide = Assert.Single(split.Batches, b => b.ByteLength > 1000);
        Assert.Equal((20L, 1), (wide.FirstRow, wide.RowCount));
        // No batch could have taken its next row without passing the limit.
        for (int i = 0; i + 1 < split.Batches.Count; i++)
            Assert.True(split.Batches[i + 1].ByteOffset + (split.Batches[i + 1].ByteLength / split.Batches[i + 1].RowCount) - split.Batches[i].ByteOffset > 1000);
        Assert.Equal(rows, ReadWith(file, format, split, Limits(batchMaxBytes: 1000)).Select(r => r.CsvValues?[0] ?? r.Json.GetProperty("text").GetString()));
    }

    [Fact]
    public void The_row_count_still_ends_batches_of_short_rows()
    {
        var split = Split("id\n" + string.Concat(Enumerable.Range(1, 25).Select(i => $"{i}\n")), FileFormat.Csv, batchSize: 10);
        Assert.Equal([10, 10, 5], split.Batches.Select(b => b.RowCount));
    }

    [Theory]
    [InlineData(FileFormat.Csv)]
    [InlineData(FileFormat.JsonLines)]
    [InlineData(FileFormat.Json)]
    public void A_row_over_the_row_limit_fails_alone_without_being_read_and_the_rows_around_it_are_read(FileFormat format)
    {
        var huge = new string('h', 300_000);   // one value, far longer than the splitter's 64 KB buffer
        string[] values = ["before", huge, "after"];
        var text = format switch
        {
            FileFormat.Csv => "text\n" + string.Concat(values.Select(v => v + "\n")),
            FileFormat.JsonLines => string.Concat(values.Select(v => $"{{\"text\":\"{v}\"}}\n")),
            _ => "[\n" + string.Join(",\n", values.Select(v => $"{{\"text\":\"{v}\",\"n\":[1,{{\"a\":\"]}}\\\"\"}}]}}")) + "\n]\n",
        };
        var limits = Limits(batchMaxBytes: 50_000, maxRowBytes: 100_000);
        using var file = new TempFile(text);
        var split = SplitWith(file, format, limits);

        Assert.Equal([1, 1, 1], split.Batches.Select(b => b.RowCount));
        Assert.Equal(new[] { 2L, 3L, 4L }.Select(l => format == FileFormat.JsonLines ? l - 1 : l), split.Batches.Select(b => b.FirstLine));
        var rows = ReadWith(file, format, split, limits);
        Assert.Null(rows[0].Error);
        Assert.Equal($"The row is {ImportLimits.Size(split.Batches[1].ByteLength)}; the limit is 97.7 KB (JobTracker:MaxRowBytes). It was not read.", rows[1].Error);
        Assert.Null(rows[2].Error);
        Assert.Equal("after", rows[2].CsvValues?[0] ?? rows[2].Json.GetProperty("text").GetString());
    }

    [Fact]
    public void A_json_error_after_a_stepped_over_row_gives_the_right_line()
    {
        var text = "[\n{\"a\":1},\n{\"a\":\"" + new string('h', 300_000) + "\"\n,\n\"b\":2},\n{\"a\":3},\n{\"a\":4,}\n]";
        using var file = new TempFile(text);
        var error = Assert.Throws<UnreadableFileException>(() => SplitWith(file, FileFormat.Json, Limits(maxRowBytes: 100_000)));
        Assert.Equal("The JSON is malformed at line 7, byte 8: a trailing comma after the last field.", error.Message);
    }

    [Fact]
    public void A_json_array_that_ends_inside_a_stepped_over_row_is_malformed()
    {
        using var file = new TempFile("[\n{\"a\":1},\n{\"a\":\"" + new string('h', 300_000));
        var error = Assert.Throws<UnreadableFileException>(() => SplitWith(file, FileFormat.Json, Limits(maxRowBytes: 100_000)));
        Assert.Equal("The JSON is malformed: item 2 (from line 3) is never closed (a } or ] is missing).", error.Message);
    }

    [Fact]
    public void A_csv_header_with_more_columns_than_the_limit_fails_the_job()
    {
        using var file = new TempFile(string.Join(",", Enumerable.Range(1, 11).Select(i => $"c{i}")) + "\n" + new string(',', 10) + "\n");
        var error = Assert.Throws<UnreadableFileException>(() => SplitWith(file, FileFormat.Csv, Limits(maxColumns: 10)));
        Assert.Equal("The header (line 1) has 11 columns; the limit is 10 (JobTracker:MaxColumns).", error.Message);
    }

    [Theory]
    [InlineData(FileFormat.Json)]
    [InlineData(FileFormat.JsonLines)]
    public void A_record_nesting_deeper_than_the_limit_fails_as_a_row_and_one_at_the_limit_is_read(FileFormat format)
    {
        static string Nested(int depth) => new StringBuilder().Insert(0, "{\"x\":", depth - 1).Append('1').Append('}', depth - 1).ToString();
        string[] records = [$"{{\"id\":1,\"x\":{Nested(5)}}}", $"{{\"id\":2,\"x\":{Nested(6)}}}", "{\"id\":3}", $"{{\"id\":4,\"l\":[[[[[1]]]]]}}"];
        var text = format == FileFormat.Json ? "[" + string.Join(",\n", records) + "]" : string.Join("\n", records);
        using var file = new TempFile(text);
        var limits = Limits(maxJsonDepth: 5);
        var rows = ReadWith(file, format, SplitWith(file, format, limits), limits);

        Assert.Null(rows[0].Error);
        Assert.Equal(5, Depth(rows[0].Json));
        Assert.Equal("The record nests 6 levels deep; the limit is 5 (JobTracker:MaxJsonDepth).", rows[1].Error);
        Assert.Null(rows[2].Error);
        Assert.Equal("The record nests 6 levels deep; the limit is 5 (JobTracker:MaxJsonDepth).", rows[3].Error);
        Assert.DoesNotContain("malformed", rows[1].Error);
    }

    private static int Depth(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    [Fact]
    public void By_default_a_json_array_record_may_nest_64_levels_and_not_65()
    {
        string Deep(int depth) => new StringBuilder("{\"id\":1,\"x\":").Insert(12, "[", depth - 1).Append('1').Append(']', depth - 1).Append('}').ToString();
        using var file = new TempFile($"[{Deep(64)},{Deep(65)}]");
        var rows = ReadWith(file, FileFormat.Json, Split(file, FileFormat.Json), ImportLimits.Default);
        Assert.Null(rows[0].Error);
        Assert.Equal("The record nests 65 levels deep; the limit is 64 (JobTracker:MaxJsonDepth).", rows[1].Error);
    }

    public static TheoryData<string, string> JsonLinesProblems => new()
    {
        { "{\"id\":0,}", "a trailing comma after the last field, byte 9" },
        { "{\"id\":[1,2,]}", "a trailing comma after the last item of a list, byte 12" },
        { "{\"id\":1 /* note */}", "a comment (JSON does not allow comments), byte 9" },
        { "// note", "a comment (JSON does not allow comments), byte 1" },
        { "{\"id\":\"abc", "a text value that is never closed (its closing \" is missing), byte 11" },
        { "{'id':1}", "a field name in single quotes (JSON needs double quotes), byte 2" },
        { "{id:1}", "a field name without double quotes (it starts with 'i'), byte 2" },
        { "{\"id\":1 \"b\":2}", "a missing comma before '\"', byte 9" },
        { "{\"id\":01}", "a number with a leading zero (write 7, not 07; put codes like 007 in double quotes), byte 8" },
        { "{\"id\":NaN}", "a value starting with 'N', which is not JSON (text goes in double quotes), byte 7" },
        { "{\"id\":True}", "a value starting with 'T', which is not JSON (text goes in double quotes), byte 7" },
        { "{\"id\":\"a\tb\"}", "a control character (such as a tab or line break) inside a text value; write it as \\t or \\n, byte 9" },
        { "{\"id\":1]", "a closing ']' that does not match an open [, byte 8" },
        { "{\"id\":1} x", "more text after the end of the JSON (starting with 'x'), byte 10" },
    };

    [Theory]
    [MemberData(nameof(JsonLinesProblems))]
    public void A_json_lines_row_that_is_not_json_says_what_is_wrong_and_where_in_a_persons_words(string line, string problem)
    {
        using var file = new TempFile("{\"id\":\"ok\"}\n" + line + "\n");
        var rows = ReadWith(file, FileFormat.JsonLines, Split(file, FileFormat.JsonLines), ImportLimits.Default);
        Assert.Equal($"Line 2 is not a valid JSON object: {problem}.", rows[1].Error);
        Assert.DoesNotContain("reader options", rows[1].Error);
    }

    private static readonly SchemaField[] Schema = [new("id", FieldTypes.Integer, true), new("notes", FieldTypes.String, false)];

    [Fact]
    public void A_field_over_the_field_limit_fails_its_row_naming_the_field()
    {
        var limits = Limits(maxFieldBytes: 1000);
        var csv = new RecordBuilder("id", Schema, ["id", "notes"], limits);
        Assert.Null(csv.Build(new ImportRow(1, ["1", new string('n', 1000)], default, null), out _, out _));
        Assert.Null(csv.Build(new ImportRow(1, ["1", new string('é', 500)], default, null), out _, out _));
        Assert.Equal(new RowFailure("notes", "The field 'notes' is 1,002 bytes; the limit is 1,000 bytes (JobTracker:MaxFieldBytes)."),
            csv.Build(new ImportRow(1, ["1", new string('é', 501)], default, null), out _, out _));

        var json = new RecordBuilder("id", Schema, null, limits);
        Assert.Null(json.Build(new ImportRow(1, null, JsonElement.Parse($"{{\"id\":1,\"notes\":\"{new string('n', 1000)}\"}}"), null), out _, out _));
        Assert.Equal(new RowFailure("extra", "The field 'extra' is 3.4 KB; the limit is 1,000 bytes (JobTracker:MaxFieldBytes)."),
            json.Build(new ImportRow(1, null, JsonElement.Parse($"{{\"id\":1,\"extra\":[{string.Join(",", Enumerable.Repeat("\"abc\"", 580))}]}}"), null), out _, out _));
    }

    [Fact]
    public void A_row_with_more_fields_than_the_column_limit_fails()
    {
        var limits = Limits(maxColumns: 3);
        var json = new RecordBuilder("id", Schema, null, limits);
        Assert.Null(json.Build(new ImportRow(1, null, JsonElement.Parse("{\"id\":1,\"a\":2,\"b\":3}"), null), out _, out _));
        Assert.Equal(new RowFailure(null, "The row has 4 columns; the limit is 3 (JobTracker:MaxColumns)."),
            json.Build(new ImportRow(1, null, JsonElement.Parse("{\"id\":1,\"a\":2,\"b\":3,\"c\":4}"), null), out _, out _));
        Assert.Equal("The row has 5,000 columns; the limit is 1,000 (JobTracker:MaxColumns).", ImportLimits.Default.TooManyColumns(5000));
        Assert.Equal("The field 'notes' is 3.2 MB; the limit is 1 MB (JobTracker:MaxFieldBytes).", ImportLimits.Default.FieldTooLong("notes", 3_355_443));
    }

    [Fact]
    public void In_a_collection_without_a_key_field_a_field_named_id_with_an_underscore_fails_its_row()
    {
        const string Message = "The field '_id' is reserved for the generated id in a collection without a key field; rename the ";
        var json = new RecordBuilder(null, Schema);
        Assert.Equal(new RowFailure("_id", Message + "field."),
            json.Build(new ImportRow(1, null, JsonElement.Parse("{\"id\":1,\"_id\":\"mine\"}"), null), out _, out _));
        var csv = new RecordBuilder(null, Schema, ["_id", "id"]);
        Assert.Equal(new RowFailure("_id", Message + "column."), csv.Build(new ImportRow(1, ["mine", "1"], default, null), out _, out _));
        // With a key field the name is an ordinary field.
        Assert.Null(new RecordBuilder("id", Schema).Build(new ImportRow(1, null, JsonElement.Parse("{\"id\":1,\"_id\":\"mine\"}"), null), out _, out _));
    }
}
