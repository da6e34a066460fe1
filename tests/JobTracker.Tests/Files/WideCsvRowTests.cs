using System.Text;
using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

/// <summary>
/// A CSV row of 256 KB or more in a batch of its own is read as UTF-8 in place (<see cref="CsvWideRow"/>) rather
/// than by Sep: the values, the records and the row errors are the same either way.
/// </summary>
public class WideCsvRowTests
{
    private static readonly SchemaField[] Schema =
    [
        new("id", FieldTypes.Integer, true), new("amount", FieldTypes.Decimal, false), new("notes", FieldTypes.String, false),
    ];

    private static readonly string Big = string.Concat(Enumerable.Repeat("wide é 日本 🙂 \t\u0001 <&> \\ / ", 12_000)); // ~420 KB of UTF-8

    /// <summary>Splits with a 64 KB byte limit, so each wide row is a batch of its own, and reads every row back.</summary>
    private static List<(ImportRow Row, string? Failure, string Json)> Import(string csv, int batchMaxBytes = 64 * 1024)
    {
        using var file = new TempFile(csv);
        using var stream = file.Open();
        var limits = new ImportLimits(batchMaxBytes, 16 << 20, 1 << 20, 1000, 64);
        var split = FileSplitter.Split(stream, FileFormat.Csv, 1000, "id", limits, CancellationToken.None);
        var builder = new RecordBuilder("id", Schema, split.CsvHeader, limits);
        var rows = new List<(ImportRow, string?, string)>();
        foreach (var slice in split.Batches)
        {
            foreach (var row in SliceReader.Read(stream, FileFormat.Csv, split.CsvHeader, slice, limits))
            {
                var failure = builder.Build(row, out _, out ReadOnlyMemory<byte> json);
                rows.Add((row, failure?.Message, Encoding.UTF8.GetString(json.Span)));
            }
        }
        return rows;
    }

    private static string Quoted(string value) => "\"" + value.Replace("\"", "\"\"") + "\"";

    [Fact]
    public void A_wide_row_gives_the_same_record_as_the_same_values_read_by_Sep()
    {
        var quoted = "a \"quote\", a comma,\r\na line break and " + Big;
        var csv = "id,amount,notes,extra\n" +
            $"1,12.50,{Quoted(quoted)},{Big}\n" +           // wide: read in place
            $"2,,{Quoted(quoted)},{Big}\n" +                // wide, with an empty optional field
            $"3,1e3,{Quoted("short, \"quoted\"")},x\n";    // narrow: Sep

        var rows = Import(csv);

        Assert.Equal([true, true, false], rows.Select(r => r.Row.CsvWide is not null));
        // The same values as strings, through the string path (Sep's), give byte-identical records.
        var expected = Import("id,amount,notes,extra\n" + $"1,12.50,{Quoted(quoted)},{Big}\n2,,{Quoted(quoted)},{Big}\n", batchMaxBytes: 8 << 20);
        Assert.All(expected, r => Assert.NotNull(r.Row.CsvValues));
        Assert.Equal(expected.Select(r => r.Json), rows.Take(2).Select(r => r.Json));
        Assert.All(rows, r => Assert.Null(r.Failure));
        Assert.StartsWith("{\"id\":1,\"amount\":12.50,\"notes\":\"a \\\"quote\\\", a comma,\\r\\na line break and wide é 日本 ", rows[0].Json);
        Assert.StartsWith("{\"id\":2,\"amount\":null,", rows[1].Json);
    }

    [Fact]
    public void A_wide_row_fails_like_a_narrow_one()
    {
        var csv = "id,amount,notes,extra\n" +
            $"1,abc,{Big},x\n" +                                   // a bad decimal
            $"2,1,{Big}\n" +                                       // a field short
            $",1,{Big},x\n" +                                      // no key
            $"4,1,{Big + Big + Big},x\n";                          // notes over the 1 MB field limit

        var failures = Import(csv).Select(r => r.Failure ?? r.Row.Error).ToList();

        Assert.Equal(
        [
            "amount must be a decimal number; got 'abc'.",
            "The row has 3 fields; the header has 4.",
            "The key field id is empty.",
            "The field 'notes' is 1.1 MB; the limit is 1 MB (JobTracker:MaxFieldBytes).",
        ], failures);
    }

    [Fact]
    public void A_wide_row_that_is_not_strict_CSV_is_left_to_Sep()
    {
        // A quote inside an unquoted field, and text after a closing quote: readers differ there, so Sep decides.
        var csv = "id,amount,notes,extra\n" + $"1,2,ab\"c\"d{Big},x\n" + $"2,3,\"ab\"c{Big},x\n";

        var rows = Import(csv);

        Assert.All(rows, r => Assert.Null(r.Row.CsvWide));
        Assert.All(rows, r => Assert.NotNull(r.Row.CsvValues));
    }
}
