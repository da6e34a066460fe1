using System.Text;
using JobTracker.Jobs.Files;
using static JobTracker.Tests.Files.TestFiles;

namespace JobTracker.Tests.Files;

public class UnreadableFileTests
{
    [Theory]
    [InlineData(FileFormat.Csv)]
    [InlineData(FileFormat.Json)]
    [InlineData(FileFormat.JsonLines)]
    public void Empty_whitespace_only_and_bom_only_files_are_empty(FileFormat format)
    {
        Assert.Equal("The file is empty.", SplitError([], format));
        Assert.Equal("The file is empty.", SplitError(" \r\n\n\t\n", format));
        Assert.Equal("The file is empty.", SplitError([0xEF, 0xBB, 0xBF, (byte)'\n'], format));
    }

    [Theory]
    [InlineData(FileFormat.Csv, "CSV")]
    [InlineData(FileFormat.Json, "JSON")]
    [InlineData(FileFormat.JsonLines, "JSON Lines")]
    public void Nul_bytes_mean_binary(FileFormat format, string label)
    {
        byte[] zip = [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0];
        Assert.Equal($"The file looks like a binary file, not {label} text (zero byte at byte offset 5).", SplitError(zip, format));
    }

    [Fact]
    public void Nul_byte_far_into_the_file_gives_its_offset()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 50_000)));
        bytes[150_001] = 0;
        Assert.Contains("(zero byte at byte offset 150001)", SplitError(bytes, FileFormat.Csv));
    }

    [Fact]
    public void Utf16_is_named()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("a,b\n1,2\n")).ToArray();
        Assert.Equal("The file is UTF-16 text, not UTF-8. Save it as UTF-8 and upload it again.", SplitError(bytes, FileFormat.Csv));
    }

    [Fact]
    public void Invalid_utf8_gives_line_and_offset()
    {
        // "café" in Latin-1: 0xE9 followed by a newline is not UTF-8.
        byte[] bytes = [.. "id,name\n1,caf"u8, 0xE9, .. "\n"u8];
        Assert.Equal("The file is not UTF-8 text: invalid byte at line 2 (byte offset 13). Save it as UTF-8 and upload it again.",
            SplitError(bytes, FileFormat.Csv));
    }

    [Fact]
    public void Truncated_utf8_at_end_of_file_is_invalid()
    {
        byte[] bytes = [.. "[{\"a\":\"x"u8, 0xE6, 0x97];
        Assert.Equal("The file is not UTF-8 text: invalid byte at line 1 (byte offset 8). Save it as UTF-8 and upload it again.",
            SplitError(bytes, FileFormat.Json));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Multi_byte_sequences_cut_by_the_read_chunk_are_valid(int shift)
    {
        // Put a 4-byte character at every position around the 64 KiB chunk boundary.
        var prefix = "a\n" + new string('x', 65_536 - 2 - 4 + shift) + "\n";
        var split = Split(prefix + "🙂🙂\n" + "z\n", FileFormat.Csv);
        Assert.Equal(3, split.TotalRows);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Invalid_sequence_cut_by_the_read_chunk_is_found(int shift)
    {
        // A 3-byte lead whose continuation bytes are wrong, straddling the chunk boundary.
        var prefix = Encoding.UTF8.GetBytes("a\n" + new string('x', 65_536 - 2 - 2 + shift) + "\n");
        byte[] bytes = [.. prefix, 0xE6, 0x97, (byte)'A', .. "\nz\n"u8];
        Assert.Equal($"The file is not UTF-8 text: invalid byte at line 3 (byte offset {prefix.Length}). Save it as UTF-8 and upload it again.",
            SplitError(bytes, FileFormat.Csv));
    }

    [Fact]
    public void Csv_unclosed_quote_names_the_line_where_it_opened()
    {
        Assert.Equal("Line 3: a quoted field that starts on this line is never closed.",
            SplitError("a,b\n1,\"ok\"\n2,\"never\nclosed,\n3,x\n", FileFormat.Csv));
        Assert.Equal("Line 1: a quoted field that starts on this line is never closed.",
            SplitError("a,\"b\n1,2\n", FileFormat.Csv));
    }

    [Fact]
    public void Csv_header_problems()
    {
        Assert.Equal("The file has a header row but no data rows.", SplitError("a,b,c\n", FileFormat.Csv));
        Assert.Equal("The file has a header row but no data rows.", SplitError("a,b,c\r\n\r\n\r\n", FileFormat.Csv));
        Assert.Equal("The header (line 1) has an empty column name in column 2. Give every column a name.",
            SplitError("a,,c\n1,2,3\n", FileFormat.Csv));
        Assert.Equal("The header (line 1) has an empty column name in column 3. Give every column a name.",
            SplitError("a,b,\n1,2,3\n", FileFormat.Csv));
        Assert.Equal("The header (line 2) has the column name 'id' twice (columns 1 and 3). Column names must be unique.",
            SplitError("\nid,b,\"id\"\n1,2,3\n", FileFormat.Csv));
    }

    [Fact]
    public void Csv_missing_key_column()
    {
        Assert.Equal("The file has no column 'customerId', the key field of this collection.",
            SplitError("id,name\n1,x\n", FileFormat.Csv, keyField: "customerId"));
        // A column matches the key field ignoring case, spaces and punctuation ("Customer ID"), not by a part of its name.
        Assert.Equal("The file has no column 'customerId', the key field of this collection.",
            SplitError("Customer,name\n1,x\n", FileFormat.Csv, keyField: "customerId"));
        Assert.Equal(1, TestFiles.Split("Customer ID,name\n1,x\n", FileFormat.Csv, keyField: "customerId").TotalRows);
    }

    [Theory]
    [InlineData("{\"a\":1}", "The file must be a JSON array of objects, like [{...}, {...}]; this one is a single object, not an array.")]
    [InlineData("\"text\"", "The file must be a JSON array of objects, like [{...}, {...}]; this one is a string.")]
    [InlineData("[]", "The file holds an empty JSON array: there are no rows to import.")]
    [InlineData("[\n{\"a\":1},\n{\"a\":2},\n3\n]", "Item 3 (line 4) is not a JSON object; it is a number.")]
    [InlineData("[\n{\"a\":1},\n [1]\n]", "Item 2 (line 3) is not a JSON object; it is an array.")]
    [InlineData("[{\"a\":1}]\n[]", "The JSON is malformed at line 2, byte 1: more text after the end of the JSON (starting with '[').")]
    [InlineData("[\n{\"a\":1},\n{\"a\":2,}\n]", "The JSON is malformed at line 3, byte 8: a trailing comma after the last field.")]
    [InlineData("[\n{\"a\":1},\n{\"a\": tru}\n]", "The JSON is malformed at line 3, byte 10: 'tru', which is not a JSON value (true, false and null are written in lower case; text goes in double quotes).")]
    public void Json_structure_problems(string text, string message)
    {
        Assert.Equal(message, SplitError(text, FileFormat.Json));
    }

    [Fact]
    public void Json_truncated_file_is_malformed_at_its_end()
    {
        var message = SplitError("[\n{\"a\":1},\n{\"a\":", FileFormat.Json);
        Assert.StartsWith("The JSON is malformed at line 3, byte ", message);
        Assert.DoesNotContain("LineNumber", message);
    }

    [Fact]
    public void Json_error_far_into_the_file_has_the_right_line()
    {
        var text = "[\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":{i},\"pad\":\"{new string('p', 20)}\"}},\n")) + "{\"id\":x}\n]";
        Assert.StartsWith("The JSON is malformed at line 20002, byte 7: ", SplitError(text, FileFormat.Json));
        var notObject = "[\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":{i},\"pad\":\"{new string('p', 20)}\"}},\n")) + "\"oops\"\n]";
        Assert.Equal("Item 20001 (line 20002) is not a JSON object; it is a string.", SplitError(notObject, FileFormat.Json));
    }
}
