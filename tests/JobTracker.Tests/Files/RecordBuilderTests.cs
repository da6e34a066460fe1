using System.Text.Json;
using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

public class RecordBuilderTests
{
    private static readonly SchemaField[] Schema =
    [
        new("customerId", FieldTypes.String, true),
        new("qty", FieldTypes.Integer, false),
        new("amount", FieldTypes.Decimal, false),
        new("active", FieldTypes.Boolean, false),
        new("since", FieldTypes.DateTime, false),
        new("name", FieldTypes.String, false),
    ];

    private static ImportRow Csv(params string[] values) => new(1, values, default, null);

    private static ImportRow Json(string json) => new(1, null, JsonElement.Parse(json), null);

    private static (RowFailure? Failure, string? Key, string Json) BuildCsv(string[] header, string[] values, string? keyField = "customerId", SchemaField[]? schema = null)
    {
        var builder = new RecordBuilder(keyField, schema ?? Schema, header);
        var failure = Build(builder, Csv(values), out var key, out var json);
        return (failure, key, json);
    }

    private static (RowFailure? Failure, string? Key, string Json) BuildJson(string row, string? keyField = "customerId", SchemaField[]? schema = null)
    {
        var builder = new RecordBuilder(keyField, schema ?? Schema);
        var failure = Build(builder, Json(row), out var key, out var json);
        return (failure, key, json);
    }

    [Fact]
    public void Csv_values_are_converted_to_their_types_in_header_order()
    {
        var (failure, key, json) = BuildCsv(
            ["name", "customerId", "qty", "amount", "active", "since", "extra"],
            ["Zoë \"Z\"", "C-1", "-7", "12.50", "Yes", "2024-01-31", "kept"]);
        Assert.Null(failure);
        Assert.Equal("C-1", key);
        Assert.Equal("""{"name":"Zoë \"Z\"","customerId":"C-1","qty":-7,"amount":12.50,"active":true,"since":"2024-01-31","extra":"kept"}""", json);
    }

    [Theory]
    [InlineData("qty", "42", "42")]
    [InlineData("qty", " 42 ", "42")]
    [InlineData("amount", "1e3", "1000")]
    [InlineData("amount", "-0.001", "-0.001")]
    [InlineData("active", "TRUE", "true")]
    [InlineData("active", "no", "false")]
    [InlineData("active", "1", "true")]
    [InlineData("active", "0", "false")]
    [InlineData("since", "2024-01-31T14:30:00Z", "\"2024-01-31T14:30:00Z\"")]
    [InlineData("since", "2024-01-31T14:30:00.250+02:00", "\"2024-01-31T12:30:00.25Z\"")]
    [InlineData("since", "2024-01-31 14:30", "\"2024-01-31T14:30:00Z\"")]
    [InlineData("since", "01/31/2024", "\"2024-01-31\"")]
    [InlineData("name", "", "null")]
    [InlineData("qty", "", "null")]
    [InlineData("other", "", "\"\"")]
    [InlineData("other", "007", "\"007\"")]
    public void Csv_single_value_conversions(string column, string value, string expected)
    {
        var (failure, _, json) = BuildCsv(["customerId", column], ["k", value]);
        Assert.Null(failure);
        Assert.Equal($$"""{"customerId":"k","{{column}}":{{expected}}}""", json);
    }

    [Theory]
    [InlineData("qty", "4.5", "qty must be a whole number; got '4.5'.")]
    [InlineData("qty", "99999999999999999999", "qty must be a whole number; got '99999999999999999999'.")]
    [InlineData("amount", "abc", "amount must be a decimal number; got 'abc'.")]
    [InlineData("amount", "1,5", "amount must be a decimal number; got '1,5'.")]
    [InlineData("active", "maybe", "active must be true or false (or yes/no, 1/0); got 'maybe'.")]
    [InlineData("since", "31/01/2024", "since must be a date or date and time, like 2024-01-31 or 2024-01-31T14:30:00Z; got '31/01/2024'.")]
    [InlineData("amount", "a very long value that goes on and on and on and on", "amount must be a decimal number; got 'a very long value that goes on and on an…'.")]
    public void Csv_type_mismatch(string column, string value, string message)
    {
        var (failure, key, json) = BuildCsv(["customerId", column], ["k", value]);
        Assert.Equal(new RowFailure(column, message), failure);
        Assert.Equal("k", key);
        Assert.Equal("", json);
    }

    [Fact]
    public void Required_field_empty_or_missing()
    {
        SchemaField[] schema = [new("email", FieldTypes.String, true), new("n", FieldTypes.Integer, true)];
        Assert.Equal(new RowFailure("email", "email is required."), BuildCsv(["email", "n"], ["", "1"], null, schema).Failure);
        Assert.Equal(new RowFailure("n", "n is required."), BuildCsv(["email"], ["a@b"], null, schema).Failure);
        Assert.Equal(new RowFailure("email", "email is required."), BuildJson("""{"email":null,"n":1}""", null, schema).Failure);
        Assert.Equal(new RowFailure("email", "email is required."), BuildJson("""{"email":"","n":1}""", null, schema).Failure);
        Assert.Equal(new RowFailure("n", "n is required."), BuildJson("""{"email":"a@b"}""", null, schema).Failure);
        Assert.Equal(new RowFailure("n", "n is required."), BuildJson("""{"email":"a@b","n":""}""", null, schema).Failure);
    }

    [Fact]
    public void First_failing_field_in_file_order_is_reported()
    {
        var csv = BuildCsv(["active", "customerId", "qty"], ["perhaps", "C1", "x"]);
        Assert.Equal("active", csv.Failure!.Field);
        Assert.Equal("C1", csv.Key);

        var json = BuildJson("""{"qty":"x","active":"perhaps","customerId":"C2"}""");
        Assert.Equal("qty", json.Failure!.Field);
        Assert.Equal("C2", json.Key);
    }

    [Fact]
    public void Key_field()
    {
        Assert.Equal((new RowFailure("customerId", "The key field customerId is empty."), (string?)null),
            (BuildCsv(["customerId", "qty"], ["", "1"]).Failure, BuildCsv(["customerId", "qty"], ["", "1"]).Key));
        Assert.Equal(new RowFailure("customerId", "The key field customerId is empty."), BuildCsv(["customerId"], ["  "]).Failure);
        Assert.Equal(" C1 ", BuildCsv(["customerId"], [" C1 "]).Key); // not trimmed

        Assert.Equal("C1", BuildJson("""{"customerId":"C1"}""").Key);
        Assert.Equal("12345678901234567890", BuildJson("""{"customerId":12345678901234567890}""").Key);
        foreach (var row in new[] { """{"customerId":null}""", """{"customerId":""}""", """{"name":"x"}""" })
        {
            var (failure, key, _) = BuildJson(row);
            Assert.Equal(new RowFailure("customerId", "The key field customerId is empty."), failure);
            Assert.Null(key);
        }
        Assert.Equal(new RowFailure("customerId", "The key field customerId must be text or a number."), BuildJson("""{"customerId":{"a":1}}""").Failure);

        // No key field: the engine makes an id.
        var none = BuildJson("""{"customerId":"C1"}""", keyField: null);
        Assert.Null(none.Failure);
        Assert.Null(none.Key);
    }

    [Fact]
    public void Key_field_outside_the_schema_still_works()
    {
        var (failure, key, json) = BuildCsv(["sku", "name"], ["S-9", "x"], keyField: "sku", schema: [new("name", FieldTypes.String, true)]);
        Assert.Null(failure);
        Assert.Equal("S-9", key);
        Assert.Equal("""{"sku":"S-9","name":"x"}""", json);
    }

    [Fact]
    public void Json_values_are_converted_and_other_fields_kept_as_they_are()
    {
        var (failure, key, json) = BuildJson("""
            {"extra": {"nested": [1, 2.50, "x", null]}, "customerId": 42, "qty": 3.0, "amount": "12.50",
             "active": "yes", "since": "2024-01-31", "name": 7, "flag": false, "nothing": null, "big": 1.0e2}
            """);
        Assert.Null(failure);
        Assert.Equal("42", key);
        Assert.Equal("""{"extra":{"nested":[1,2.50,"x",null]},"customerId":"42","qty":3,"amount":12.50,"active":true,"since":"2024-01-31","name":"7","flag":false,"nothing":null,"big":1.0e2}""", json);
    }

    [Fact]
    public void Json_optional_null_is_kept_and_missing_schema_fields_are_not_added()
    {
        var (failure, _, json) = BuildJson("""{"customerId":"C1","amount":null,"qty":"","name":""}""");
        Assert.Null(failure);
        Assert.Equal("""{"customerId":"C1","amount":null,"qty":null,"name":""}""", json);
    }

    [Theory]
    [InlineData("""{"customerId":"C","qty":1.5}""", "qty", "qty must be a whole number; got '1.5'.")]
    [InlineData("""{"customerId":"C","qty":true}""", "qty", "qty must be a whole number; got 'true'.")]
    [InlineData("""{"customerId":"C","amount":"12,5"}""", "amount", "amount must be a decimal number; got '12,5'.")]
    [InlineData("""{"customerId":"C","amount":1e400}""", "amount", "amount must be a decimal number; got '1e400'.")]
    [InlineData("""{"customerId":"C","active":1}""", "active", "active must be true or false (or yes/no, 1/0); got '1'.")]
    [InlineData("""{"customerId":"C","since":20240131}""", "since", "since must be a date or date and time, like 2024-01-31 or 2024-01-31T14:30:00Z; got '20240131'.")]
    [InlineData("""{"customerId":"C","name":{"first":"A"}}""", "name", "name must be text; got an object.")]
    [InlineData("""{"customerId":"C","qty":[1]}""", "qty", "qty must be a whole number; got a list.")]
    public void Json_type_mismatch(string row, string field, string message)
    {
        var (failure, key, _) = BuildJson(row);
        Assert.Equal(new RowFailure(field, message), failure);
        Assert.Equal("C", key);
    }

    [Fact]
    public void Row_error_is_the_failure()
    {
        var builder = new RecordBuilder("customerId", Schema);
        var failure = Build(builder, new ImportRow(5, null, default, "Line 5 is not a valid JSON object: it is a number."), out var key, out var json);
        Assert.Equal(new RowFailure(null, "Line 5 is not a valid JSON object: it is a number."), failure);
        Assert.Null(key);
        Assert.Equal("", json);
    }

    [Fact]
    public void Builder_is_reusable_after_a_failure()
    {
        var builder = new RecordBuilder("customerId", Schema, ["customerId", "qty"]);
        Assert.NotNull(Build(builder, Csv("A", "x"), out _, out _));
        Assert.Null(Build(builder, Csv("B", "2"), out var key, out var json));
        Assert.Equal("B", key);
        Assert.Equal("""{"customerId":"B","qty":2}""", json);
    }

    [Fact]
    public void Csv_rows_without_a_header_are_a_programming_error()
    {
        var builder = new RecordBuilder("customerId", Schema);
        Assert.Throws<InvalidOperationException>(() => Build(builder, Csv("A"), out _, out _));
    }

    [Fact]
    public void Unknown_field_type_is_rejected_up_front()
    {
        Assert.Throws<ArgumentException>(() => new RecordBuilder(null, [new SchemaField("x", "money", false)]));
    }

    /// <summary>Builds a record and reads its UTF-8 JSON back as text.</summary>
    private static RowFailure? Build(RecordBuilder builder, ImportRow row, out string? key, out string json)
    {
        var failure = builder.Build(row, out key, out ReadOnlyMemory<byte> utf8Json);
        json = System.Text.Encoding.UTF8.GetString(utf8Json.Span);
        return failure;
    }
}
