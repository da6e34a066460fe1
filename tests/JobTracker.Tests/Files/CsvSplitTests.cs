using System.Text;
using JobTracker.Jobs.Files;
using nietras.SeparatedValues;
using static JobTracker.Tests.Files.TestFiles;

namespace JobTracker.Tests.Files;

public class CsvSplitTests
{
    private static string[][] Values(List<ImportRow> rows) => rows.Select(r => r.CsvValues!).ToArray();

    [Fact]
    public void Splits_into_batches_of_batch_size_with_last_one_shorter()
    {
        var text = "id,name\n" + string.Concat(Enumerable.Range(1, 7).Select(i => $"{i},n{i}\n"));
        using var file = new TempFile(text);
        var split = Split(file, FileFormat.Csv, batchSize: 3);

        Assert.Equal(["id", "name"], split.CsvHeader);
        Assert.Equal(7, split.TotalRows);
        Assert.Equal([0, 1, 2], split.Batches.Select(b => b.BatchNo));
        Assert.Equal([3, 3, 1], split.Batches.Select(b => b.RowCount));
        Assert.Equal([1L, 4, 7], split.Batches.Select(b => b.FirstRow));
        Assert.Equal([2L, 5, 8], split.Batches.Select(b => b.FirstLine));
        Assert.Equal("1,n1\n2,n2\n3,n3", SliceText(file, split.Batches[0]));
        Assert.Equal("7,n7", SliceText(file, split.Batches[2]));

        var rows = ReadAll(file, FileFormat.Csv, split);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => new[] { $"{i}", $"n{i}" }), Values(rows));
        Assert.All(rows, r => Assert.Null(r.Error));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Quoted_fields_keep_commas_quotes_and_newlines(string eol)
    {
        var text = string.Join(eol,
            "id,\"the \"\"note\"\"\",city",
            "1,\"a, b\",Paris",
            "2,\"say \"\"hi\"\"\",\"New" + eol + "York\"",
            "3,\"line1\nline2\r\nline3\",",
            "4,,\"\"") + eol;
        using var file = new TempFile(text);
        var split = Split(file, FileFormat.Csv, batchSize: 2);

        Assert.Equal(["id", "the \"note\"", "city"], split.CsvHeader);
        Assert.Equal(4, split.TotalRows);
        Assert.Equal([2L, 5], split.Batches.Select(b => b.FirstLine));
        Assert.Equal(
            [["1", "a, b", "Paris"], ["2", "say \"hi\"", "New" + eol + "York"], ["3", "line1\nline2\r\nline3", ""], ["4", "", ""]],
            Values(ReadAll(file, FileFormat.Csv, split)));
    }

    [Theory]
    [InlineData(false, "\n", true)]
    [InlineData(false, "\n", false)]
    [InlineData(true, "\n", true)]
    [InlineData(true, "\r\n", true)]
    [InlineData(true, "\r\n", false)]
    [InlineData(false, "\r\n", false)]
    [InlineData(false, "\r", true)]
    public void Bom_line_endings_and_final_newline(bool bom, string eol, bool finalNewline)
    {
        var text = string.Join(eol, "a,b", "1,x", "2,y", "3,z") + (finalNewline ? eol : "");
        using var file = new TempFile(text, bom);
        var split = Split(file, FileFormat.Csv, batchSize: 2);

        Assert.Equal(["a", "b"], split.CsvHeader);
        Assert.Equal(3, split.TotalRows);
        int start = (bom ? 3 : 0) + 3 + eol.Length;
        Assert.Equal(start, split.Batches[0].ByteOffset);
        Assert.Equal(3 + eol.Length + 3, split.Batches[0].ByteLength);
        Assert.Equal("3,z", SliceText(file, split.Batches[1]));
        Assert.Equal([2L, 4], split.Batches.Select(b => b.FirstLine));
        Assert.Equal([["1", "x"], ["2", "y"], ["3", "z"]], Values(ReadAll(file, FileFormat.Csv, split)));
    }

    [Fact]
    public void Blank_lines_are_not_rows()
    {
        var text = "\n\na,b\n\n1,x\n\r\n\n2,y\n3,z\n\n\n";
        using var file = new TempFile(text);
        var split = Split(file, FileFormat.Csv, batchSize: 2);

        Assert.Equal(3, split.TotalRows);
        Assert.Equal([5L, 9], split.Batches.Select(b => b.FirstLine));
        Assert.Equal("1,x\n\r\n\n2,y", SliceText(file, split.Batches[0]));
        Assert.Equal([["1", "x"], ["2", "y"], ["3", "z"]], Values(ReadAll(file, FileFormat.Csv, split)));
    }

    [Fact]
    public void Row_with_wrong_field_count_becomes_a_row_error()
    {
        using var file = new TempFile("a,b,c\n1,2,3\n1,2\n1,2,3,4\nx\n");
        var split = Split(file, FileFormat.Csv);
        var rows = ReadAll(file, FileFormat.Csv, split);

        Assert.Equal([null, "The row has 2 fields; the header has 3.", "The row has 4 fields; the header has 3.", "The row has 1 field; the header has 3."],
            rows.Select(r => r.Error));
        Assert.Null(rows[1].CsvValues);
        Assert.Equal([1L, 2, 3, 4], rows.Select(r => r.RowNumber));
    }

    [Fact]
    public void Header_cells_may_be_quoted_and_are_not_trimmed()
    {
        var split = Split("\"customer id\", name ,\"x,y\"\n1,2,3\n", FileFormat.Csv, keyField: "customer id");
        Assert.Equal(["customer id", " name ", "x,y"], split.CsvHeader);
    }

    [Fact]
    public void Multi_byte_text_and_quotes_across_chunk_boundaries_round_trip()
    {
        // ~1 MB: rows straddle the 64 KiB read chunks at every kind of byte (multi-byte, quote, CR, LF).
        var random = new Random(42);
        string[] pieces = ["plain", "é", "日本語", "🙂", "a,b", "\"q\"", "two\r\nlines", "lf\nonly", "", " spaced "];
        var sb = new StringBuilder("k,text,more\r\n");
        var expected = new List<string[]>();
        for (int i = 1; i <= 12_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => pieces[random.Next(pieces.Length)]));
            var more = new string('x', random.Next(0, 60));
            expected.Add([$"{i}", text, more]);
            sb.Append(i).Append(",\"").Append(text.Replace("\"", "\"\"")).Append("\",").Append(more).Append(i % 3 == 0 ? "\n" : "\r\n");
        }
        using var file = new TempFile(sb.ToString(), bom: true);
        var split = Split(file, FileFormat.Csv, batchSize: 1000);

        Assert.Equal(12_000, split.TotalRows);
        Assert.Equal(12, split.Batches.Count);
        Assert.Equal(expected, Values(ReadAll(file, FileFormat.Csv, split)));

        // FirstLine agrees with Sep's own line numbers for the same rows.
        using var sep = Sep.New(',').Reader(o => o with { Unescape = true }).FromFile(file.Path);
        var lineOfRow = new Dictionary<long, long>();
        foreach (var row in sep) lineOfRow[row.RowIndex] = row.LineNumberFrom;
        Assert.All(split.Batches, b => Assert.Equal(lineOfRow[b.FirstRow], b.FirstLine));
    }

    [Fact]
    public void Header_longer_than_a_read_chunk_after_blank_lines_spanning_chunks()
    {
        // 1,000 columns (the default JobTracker:MaxColumns) of ~90 bytes: the header spans two 64 KB chunks.
        var pad = new string('x', 80);
        var names = Enumerable.Range(0, 1_000).Select(i => i % 2 == 0 ? $"c{i}{pad}" : $"\"c,{i}{pad}\"").ToArray();
        var text = new string('\n', 70_000) + string.Join(",", names) + "\r\n" + string.Join(",", Enumerable.Range(0, 1_000)) + "\r\n";
        using var file = new TempFile(text);
        var split = Split(file, FileFormat.Csv, keyField: $"c,999{pad}");

        Assert.Equal(1_000, split.CsvHeader!.Count);
        Assert.Equal($"c0{pad}", split.CsvHeader[0]);
        Assert.Equal($"c,999{pad}", split.CsvHeader[^1]);
        Assert.Equal(70_002L, split.Batches[0].FirstLine);
        var row = Assert.Single(ReadAll(file, FileFormat.Csv, split));
        Assert.Equal("999", row.CsvValues![^1]);
    }

    [Fact]
    public void Header_over_1_MB_is_refused()
    {
        var message = SplitError(new string('h', 2_000_000) + "\n1\n", FileFormat.Csv);
        Assert.Equal("Line 1: the header row is longer than 1 MB. Is this really a CSV file?", message);
        // ... unless it is long because a quote is never closed.
        Assert.Equal("Line 1: a quoted field that starts on this line is never closed.",
            SplitError("a,\"b\n" + string.Concat(Enumerable.Repeat("1,2\n", 300_000)), FileFormat.Csv));
    }

    [Fact]
    public void Unclosed_quote_deep_in_a_large_file()
    {
        var text = "a,b\r\n" + string.Concat(Enumerable.Repeat("1,\"x\r\ny\"\r\n", 40_000)) + "2,\"oops\r\n3,z\r\n";
        Assert.Equal("Line 80002: a quoted field that starts on this line is never closed.", SplitError(text, FileFormat.Csv));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Agrees_with_Sep_reading_the_whole_file_on_messy_input(int seed)
    {
        // Random bytes from a small alphabet full of CSV specials, including quotes in the middle of
        // fields and lone CRs, which RFC 4180 does not allow but users upload anyway.
        var random = new Random(seed);
        string[] alphabet = ["a", "b", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "\n\n", "é", "🙂", " "];
        var sb = new StringBuilder("h1,h2,h3\n");
        while (sb.Length < 200_000) sb.Append(alphabet[random.Next(alphabet.Length)]);
        if (sb.ToString().Count(c => c == '"') % 2 == 1) sb.Append('"'); // keep quotes balanced
        using var file = new TempFile(sb.ToString());

        var expected = new List<string>();
        using (var sep = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromFile(file.Path))
        {
            foreach (var row in sep)
            {
                if (row.Span.Length == 0 || row.RowIndex == 0) continue;
                expected.Add(row.ColCount == 3 ? string.Join("|", row[0..3].ToStringsArray()) : $"error {row.ColCount}");
            }
        }

        Assert.True(expected.Count > 1000 && expected.Count(e => !e.StartsWith("error")) > 100, $"{expected.Count} rows");

        var split = Split(file, FileFormat.Csv, batchSize: 100);
        var actual = ReadAll(file, FileFormat.Csv, split)
            .Select(r => r.CsvValues is { } v ? string.Join("|", v) : $"error {r.Error!.Split(' ')[3]}");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Seeks_itself_to_the_start_of_the_stream()
    {
        using var file = new TempFile("a\n1\n2\n");
        using var stream = file.Open();
        stream.Position = 3;
        var split = FileSplitter.Split(stream, FileFormat.Csv, 10, null, CancellationToken.None);
        Assert.Equal(2, split.TotalRows);
    }

    [Fact]
    public void Honors_cancellation()
    {
        using var file = new TempFile("a\n1\n");
        using var stream = file.Open();
        Assert.Throws<OperationCanceledException>(() => FileSplitter.Split(stream, FileFormat.Csv, 10, null, new CancellationToken(true)));
    }
}
