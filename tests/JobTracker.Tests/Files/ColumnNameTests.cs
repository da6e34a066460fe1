using JobTracker.Db;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

/// <summary>The header normaliser and the mapping of a header to a collection's fields (<see cref="ColumnMapping"/>).</summary>
public class ColumnNameTests
{
    private static readonly SchemaField[] Schema =
    [
        new("customerId", FieldTypes.String, true),
        new("name", FieldTypes.String, true),
        new("email", FieldTypes.String, false),
    ];

    private static IEnumerable<string?> Targets(string[] header, IReadOnlyList<MappedColumn>? chosen = null, SchemaField[]? schema = null, string? keyField = "customerId")
    {
        var mapping = ColumnMapping.Resolve(header, schema ?? Schema, keyField, chosen);
        Assert.Null(mapping.Problem);
        return mapping.Targets;
    }

    [Theory]
    [InlineData("Customer ID", "customerid")]
    [InlineData("customer_id", "customerid")]
    [InlineData("CUSTOMER-ID", "customerid")]
    [InlineData("  customer.id  ", "customerid")]
    [InlineData("E-mail", "email")]
    [InlineData("Straße 2", "straße2")]
    [InlineData("---", "")]
    public void Normalise_keeps_letters_and_digits_in_lower_case(string name, string expected) =>
        Assert.Equal(expected, ColumnName.Normalise(name));

    [Fact]
    public void Matches_exactly_or_once_normalised_but_never_on_nothing()
    {
        Assert.True(ColumnName.Matches("Customer ID", "customerId"));
        Assert.True(ColumnName.Matches("customer_id", "customerId"));
        Assert.False(ColumnName.Matches("customer", "customerId"));
        Assert.False(ColumnName.Matches("--", "__"));
        Assert.True(ColumnName.Matches("--", "--"));
    }

    [Fact]
    public void Renamed_headers_fill_their_fields_and_other_columns_keep_their_names()
    {
        Assert.Equal(["customerId", "name", "email", "Notes"], Targets(["Customer ID", "NAME", "E-mail", "Notes"]));
        Assert.Equal(["customerId", "name"], Targets(["customer_id", "name"]));
    }

    [Fact]
    public void An_exact_match_wins_over_a_normalised_one()
    {
        Assert.Equal(["Name", "name"], Targets(["Name", "name", "customerId"]).Take(2));
        Assert.Equal(["customerId", "Customer ID", "name"], Targets(["customerId", "Customer ID", "name"]));
    }

    [Fact]
    public void Two_columns_normalising_to_one_field_are_a_clear_problem()
    {
        var mapping = ColumnMapping.Resolve(["customerId", "E-mail", "e_mail", "EMAIL"], Schema, "customerId");
        Assert.Equal(
            "The columns 'E-mail' and 'e_mail' and 'EMAIL' match the same field, email (ignoring case, spaces and punctuation): rename or remove all but one of them, or import with \"Review column mapping\" and choose a field for each.",
            mapping.Problem);
        var thrown = Assert.Throws<UnreadableFileException>(() => mapping.ThrowIfProblem());
        Assert.Equal(mapping.Problem, thrown.Message);
    }

    [Fact]
    public void Fields_that_share_a_normalised_name_match_only_exactly()
    {
        SchemaField[] schema = [new("customerId", FieldTypes.String, true), new("customer_id", FieldTypes.String, false)];
        Assert.Equal(["customerId", "Customer ID"], Targets(["customerId", "Customer ID"], schema: schema));
    }

    [Fact]
    public void Chosen_columns_win_and_the_rest_get_the_default()
    {
        var chosen = new[] { new MappedColumn("ref", "customerId"), new MappedColumn("name", null), new MappedColumn("gone", "email") };
        Assert.Equal(["customerId", null, "email", "Notes"], Targets(["ref", "name", "E-Mail", "Notes"], chosen));
    }

    [Fact]
    public void A_mapping_that_leaves_the_key_field_without_a_column_or_maps_two_columns_to_one_field_is_refused()
    {
        Assert.Equal("The file has no column 'customerId', the key field of this collection.",
            ColumnMapping.Resolve(["id", "name"], Schema, "customerId").Problem);
        Assert.Equal("The file has no column 'customerId', the key field of this collection.",
            ColumnMapping.Resolve(["customerId", "name"], Schema, "customerId", [new MappedColumn("customerId", null)]).Problem);
        Assert.Equal("The columns 'a' and 'b' are both mapped to the field name: map one of them to another field, or ignore it.",
            ColumnMapping.Resolve(["customerId", "a", "b"], Schema, "customerId", [new("a", "name"), new("b", "name")]).Problem);
        Assert.Null(ColumnMapping.Resolve(["id", "name"], Schema, keyField: null).Problem);
    }

    [Fact]
    public void The_failed_rows_columns_never_match_a_field_by_their_normalised_name()
    {
        SchemaField[] schema = [new("errorField", FieldTypes.String, false)];
        Assert.Equal(["id", "_error_field", "_error_message"], Targets(["id", "_error_field", "_error_message"], schema: schema, keyField: null));
    }

    [Fact]
    public void Unfilled_names_the_key_field_and_the_required_fields_no_column_fills()
    {
        var mapping = ColumnMapping.Resolve(["Customer ID", "mail"], Schema, "customerId");
        Assert.Equal(["name"], mapping.Unfilled(Schema, "customerId"));
        var ignored = ColumnMapping.Resolve(["Customer ID", "mail"], Schema, "customerId", [new MappedColumn("Customer ID", null)]);
        Assert.Equal(["customerId", "name"], ignored.Unfilled(Schema, "customerId"));
    }

    [Fact]
    public void The_mapping_round_trips_through_its_stored_json()
    {
        MappedColumn[] columns = [new("Customer ID", "customerId"), new("Notes", null)];
        var json = ColumnMapping.ToJson(columns);
        Assert.Equal("""[{"column":"Customer ID","field":"customerId"},{"column":"Notes","field":null}]""", json);
        Assert.Equal(columns, ColumnMapping.FromJson(json));
        Assert.Empty(ColumnMapping.FromJson(null));
        Assert.Empty(ColumnMapping.FromJson("not json"));
        Assert.Equal(["Customer ID → customerId", "Notes → ignored"], columns.Select(c => c.ToString()));
    }

    [Fact]
    public void The_record_builder_writes_each_column_under_its_mapped_field_and_leaves_ignored_ones_out()
    {
        string[] header = ["Customer ID", "Full Name", "Notes"];
        var builder = new RecordBuilder("customerId", Schema, header, ImportLimits.Default, ["customerId", "name", null]);
        var failure = builder.Build(new ImportRow(1, ["C1", "Ann", "x"], default, null), out var key, out var json);
        Assert.Null(failure);
        Assert.Equal("C1", key);
        Assert.Equal("""{"customerId":"C1","name":"Ann"}""", System.Text.Encoding.UTF8.GetString(json.Span));

        var missing = new RecordBuilder("customerId", Schema, header, ImportLimits.Default, ["customerId", null, null])
            .Build(new ImportRow(2, ["C2", "Bob", "y"], default, null), out _, out _);
        Assert.Equal(new RowFailure("name", "name is required."), missing);
    }
}
