using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using JobTracker.Db;

namespace JobTracker.Jobs.Files;

/// <summary>
/// Checks one imported row against the collection's schema and writes the record's JSON (compact, in the
/// file's field order). Not thread-safe: it reuses its output buffer, so give each worker its own.
/// </summary>
/// <remarks>
/// Conversions (text means a CSV value or a JSON string; all parsing uses the invariant culture):
/// <list type="bullet">
/// <item>integer: a whole JSON number, or text like "42" / "-7" → JSON number.</item>
/// <item>decimal: a JSON number or text like "12.50" / "1e3" (no thousands separators, so "1,5" is an
/// error rather than 15) → JSON number written from a <see cref="decimal"/>, so "12.50" stays 12.50.</item>
/// <item>boolean: true/false, or text true/false/yes/no/1/0 (any case) → JSON true/false.</item>
/// <item>datetime: text. A date alone ("2024-01-31", "01/31/2024") → "2024-01-31". A date and time →
/// UTC ISO 8601 "2024-01-31T14:30:00Z" (no offset in the text means UTC; fractions kept, trailing zeros dropped).</item>
/// <item>string: text as is; a JSON number or true/false becomes its raw text as a string.</item>
/// </list>
/// Surrounding whitespace is ignored for the non-string types. A missing value (empty CSV cell, JSON null,
/// or empty JSON string for a non-string type) fails a required field and is written as null otherwise
/// (an empty JSON string for a string field is kept as ""). Field names match the schema case-sensitively; a CSV
/// file's columns may fill other fields than their names say (a <see cref="ColumnMapping"/>, resolved once per file).
/// Fields outside the schema are kept: CSV as strings, JSON as they are; except <c>_error_field</c> and
/// <c>_error_message</c>, which a failed-rows file adds (<see cref="IsIgnored(string)"/>).
/// A row with more fields than <see cref="ImportLimits.MaxColumns"/>, or a field longer than
/// <see cref="ImportLimits.MaxFieldBytes"/> (its UTF-8 bytes: a CSV value unquoted, a JSON value as written),
/// fails. In a collection without a key field, a field named <c>_id</c> fails its row: that name is the
/// generated id's in exports (<see cref="Exports.ExportWork.GeneratedIdField"/>), so two records could
/// otherwise export with one <c>_id</c>.
/// </remarks>
public sealed partial class RecordBuilder
{
    private enum Kind { String, Integer, Decimal, Boolean, DateTime }

    private const string GeneratedId = "_id";
    private static ReadOnlySpan<byte> GeneratedIdUtf8 => "_id"u8;

    private readonly string? _keyField;
    private readonly SchemaField[] _schema;
    private readonly Kind[] _kinds;
    private readonly Dictionary<string, int> _schemaIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _schemaLookup;
    private readonly JsonEncodedText[] _schemaNames;
    private readonly byte[]? _keyUtf8;
    private readonly bool[] _seen;

    // CSV only: per column, its pre-encoded name and schema index (-1 when not in the schema).
    private readonly JsonEncodedText[]? _csvNames;
    private readonly int[]? _csvSchema;
    private readonly int _csvKey = -1;
    private readonly string[]? _csvHeader;
    private readonly int _csvGeneratedId = -1;

    private readonly ImportLimits _limits;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <summary>Where a row given as strings (<see cref="ImportRow.CsvValues"/>) is copied to be written like an import's rows.</summary>
    private readonly CsvFields _fields = new();
    private readonly Utf8JsonWriter _writer;

    // Records are stored, not embedded in HTML, so keep non-ASCII text readable instead of \uXXXX.
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public RecordBuilder(string? keyField, IReadOnlyList<SchemaField> schema)
        : this(keyField, schema, null)
    {
    }

    /// <summary>For CSV rows, pass the file's header: rows carry only the values.</summary>
    public RecordBuilder(string? keyField, IReadOnlyList<SchemaField> schema, IReadOnlyList<string>? csvHeader)
        : this(keyField, schema, csvHeader, ImportLimits.Default)
    {
    }

    /// <summary>
    /// For CSV rows, pass the file's header: rows carry only the values; and, if the columns fill other fields than
    /// their names say, <paramref name="csvTargets"/>: per column, the field it fills, or null when it is ignored
    /// (<see cref="ColumnMapping.Targets"/>, resolved once per file).
    /// </summary>
    public RecordBuilder(
        string? keyField, IReadOnlyList<SchemaField> schema, IReadOnlyList<string>? csvHeader, ImportLimits limits, IReadOnlyList<string?>? csvTargets = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _keyField = keyField;
        _schema = [.. schema];
        _kinds = new Kind[_schema.Length];
        _seen = new bool[_schema.Length];
        _schemaNames = new JsonEncodedText[_schema.Length];
        for (int i = 0; i < _schema.Length; i++)
        {
            _kinds[i] = KindOf(_schema[i]);
            _schemaNames[i] = JsonEncodedText.Encode(_schema[i].Name, Encoder);
            _schemaIndex.TryAdd(_schema[i].Name, i);
        }
        _schemaLookup = _schemaIndex.GetAlternateLookup<ReadOnlySpan<char>>();
        _keyUtf8 = keyField is null ? null : Encoding.UTF8.GetBytes(keyField);
        if (csvHeader is not null)
        {
            _csvHeader = [.. csvHeader];
            _csvNames = new JsonEncodedText[csvHeader.Count];
            _csvSchema = new int[csvHeader.Count];
            if (csvTargets is not null && csvTargets.Count != csvHeader.Count)
                throw new ArgumentException("There must be one target for each column of the header.", nameof(csvTargets));
            for (int i = 0; i < csvHeader.Count; i++)
            {
                if ((csvTargets is null ? csvHeader[i] : csvTargets[i]) is not { } field)
                {
                    _csvNames[i] = JsonEncodedText.Encode(csvHeader[i], Encoder);
                    _csvSchema[i] = IgnoredColumn;
                    continue;
                }
                _csvNames[i] = JsonEncodedText.Encode(field, Encoder);
                _csvSchema[i] = _schemaIndex.GetValueOrDefault(field, IsIgnored(field) ? IgnoredColumn : -1);
                if (field == keyField) _csvKey = i;
                if (keyField is null && field == GeneratedId) _csvGeneratedId = i;
            }
        }
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = Encoder });
    }

    private static Kind KindOf(SchemaField field) => field.Type.ToLowerInvariant() switch
    {
        FieldTypes.String => Kind.String,
        FieldTypes.Integer => Kind.Integer,
        FieldTypes.Decimal => Kind.Decimal,
        FieldTypes.Boolean => Kind.Boolean,
        FieldTypes.DateTime => Kind.DateTime,
        _ => throw new ArgumentException($"Field '{field.Name}' has unknown type '{field.Type}'.", "schema"),
    };

    /// <summary>
    /// Validates the row and writes its record. Returns null on success, or the first failing field in
    /// file order (then missing required fields in schema order). <paramref name="key"/> is the key
    /// field's value as text, set whenever it can be read (even when another field fails); null when the
    /// collection has no key field. <paramref name="utf8Json"/> is the record as UTF-8 JSON (what the
    /// database stores, so nothing is transcoded), empty on failure; kept in <paramref name="arena"/> when one is given.
    /// </summary>
    /// <remarks>A wide CSV row's record is written straight into an array of its own rather than copied out of the builder's.</remarks>
    public RowFailure? Build(in ImportRow row, out string? key, out ReadOnlyMemory<byte> utf8Json, RecordArena? arena = null)
    {
        key = null;
        utf8Json = default;
        if (row.Error is not null) return new RowFailure(null, row.Error);

        var output = row.CsvWide is null ? _buffer : new ArrayBufferWriter<byte>(WideRecordCapacity(row.CsvWide));
        output.ResetWrittenCount();
        _writer.Reset(output);
        var failure = row.CsvWide is not null ? WriteCsv(row.CsvWide, out key)
            : row.CsvFields is not null ? WriteCsv(row.CsvFields, out key)
            : row.CsvValues is not null ? WriteCsv(Fields(row.CsvValues), out key)
            : WriteJson(row.Json, out key);
        if (failure is not null) return failure;
        _writer.Flush();
        utf8Json = row.CsvWide is not null ? output.WrittenMemory : arena?.Keep(_buffer.WrittenSpan) ?? _buffer.WrittenSpan.ToArray();
        return null;
    }

    /// <summary>A row given as strings, in the reused <see cref="CsvFields"/> the import's rows come in.</summary>
    private CsvFields Fields(string[] values)
    {
        _fields.Fill(values);
        return _fields;
    }

    private RowFailure? WriteCsv(CsvFields values, out string? key)
    {
        if (_csvNames is null || _csvSchema is null || _csvHeader is null)
            throw new InvalidOperationException("CSV rows need the header: create the RecordBuilder with csvHeader.");
        key = null;
        if (values.Count > _limits.MaxColumns) return new RowFailure(null, _limits.TooManyColumns(values.Count));
        if (values.Count != _csvNames.Length)
            return new RowFailure(null, $"The row has {values.Count} fields; the header has {_csvNames.Length}.");
        // Read the key first so that it is known even when an earlier field fails.
        if (_csvKey >= 0 && !values[_csvKey].IsWhiteSpace()) key = values[_csvKey].ToString();

        Array.Clear(_seen);
        _writer.WriteStartObject();
        for (int i = 0; i < values.Count; i++)
        {
            if (i == _csvKey && key is null) return KeyEmpty();
            if (_csvSchema[i] == IgnoredColumn) continue;
            var value = values[i];
            // UTF-8 takes at most 3 bytes a char here (a surrogate pair is 2 chars for 4 bytes): count only when it may matter.
            if (value.Length * 3L > _limits.MaxFieldBytes && Encoding.UTF8.GetByteCount(value) is var bytes && bytes > _limits.MaxFieldBytes)
                return new RowFailure(_csvHeader[i], _limits.FieldTooLong(_csvHeader[i], bytes));
            if (i == _csvGeneratedId) return GeneratedIdTaken("column");
            _writer.WritePropertyName(_csvNames[i]);
            int s = _csvSchema[i];
            if (s < 0)
            {
                _writer.WriteStringValue(value);
                continue;
            }
            _seen[s] = true;
            if (value.Length == 0)
            {
                if (_schema[s].Required) return Required(s);
                _writer.WriteNullValue();
                continue;
            }
            var failure = WriteText(s, value);
            if (failure is not null) return failure;
        }
        _writer.WriteEndObject();
        if (_keyField is not null && _csvKey < 0) return KeyEmpty();
        return MissingRequired();
    }

    private RowFailure? WriteJson(JsonElement item, out string? key)
    {
        key = null;
        if (item.ValueKind != JsonValueKind.Object) return new RowFailure(null, "The row is not a JSON object.");
        // Read the key first so that it is known even when an earlier field fails; a bad key is
        // reported at its place in the object, a missing one after the fields that are there.
        var keyFailure = _keyField is null ? null : KeyOf(item, out key);
        int fields = item.GetPropertyCount();
        if (fields > _limits.MaxColumns) return new RowFailure(null, _limits.TooManyColumns(fields));

        Array.Clear(_seen);
        _writer.WriteStartObject();
        foreach (var property in item.EnumerateObject())
        {
            if (keyFailure is not null && property.NameEquals(_keyField)) return keyFailure;
            int bytes = JsonMarshal.GetRawUtf8Value(property.Value).Length;
            if (property.Value.ValueKind == JsonValueKind.String) bytes -= 2; // the quotes
            if (bytes > _limits.MaxFieldBytes) return new RowFailure(property.Name, _limits.FieldTooLong(property.Name, bytes));
            if (_keyField is null && property.NameEquals(GeneratedIdUtf8)) return GeneratedIdTaken("field");
            if (!TryFindField(property, out int s))
            {
                if (IsIgnored(property)) continue;
                property.WriteTo(_writer);
                continue;
            }
            _seen[s] = true;
            _writer.WritePropertyName(_schemaNames[s]);
            var failure = WriteJsonValue(s, property.Value);
            if (failure is not null) return failure;
        }
        _writer.WriteEndObject();
        return keyFailure ?? MissingRequired();
    }

    /// <summary>The schema field a property names; looked up without allocating the name (the common case).</summary>
    private bool TryFindField(JsonProperty property, out int s)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length > 256 || raw.Contains((byte)'\\')) return _schemaIndex.TryGetValue(property.Name, out s);
        Span<char> name = stackalloc char[256];
        return _schemaLookup.TryGetValue(name[..Encoding.UTF8.GetChars(raw, name)], out s);
    }

    private RowFailure? KeyOf(JsonElement item, out string? key)
    {
        key = null;
        if (!item.TryGetProperty(_keyUtf8, out var value)) return KeyEmpty();
        key = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            return new RowFailure(_keyField, $"The key field {_keyField} must be text or a number.");
        if (string.IsNullOrWhiteSpace(key))
        {
            key = null;
            return KeyEmpty();
        }
        return null;
    }

    private RowFailure? WriteJsonValue(int s, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return Missing(s);
            case JsonValueKind.String:
                if (_kinds[s] == Kind.String)
                {
                    if (_schema[s].Required && value.ValueEquals(ReadOnlySpan<byte>.Empty)) return Required(s);
                    value.WriteTo(_writer);
                    return null;
                }
                var text = value.GetString()!;
                return text.Length == 0 ? Missing(s) : WriteText(s, text);
            case JsonValueKind.Number:
                switch (_kinds[s])
                {
                    case Kind.Integer:
                        if (value.TryGetInt64(out long l)) _writer.WriteNumberValue(l);
                        else if (value.TryGetDecimal(out decimal whole) && whole == decimal.Truncate(whole)
                                 && whole >= long.MinValue && whole <= long.MaxValue) _writer.WriteNumberValue((long)whole);
                        else return Mismatch(s, value.GetRawText());
                        return null;
                    case Kind.Decimal:
                        if (!value.TryGetDecimal(out decimal d)) return Mismatch(s, value.GetRawText());
                        _writer.WriteNumberValue(d);
                        return null;
                    case Kind.String:
                        _writer.WriteStringValue(value.GetRawText());
                        return null;
                    default:
                        return Mismatch(s, value.GetRawText());
                }
            case JsonValueKind.True or JsonValueKind.False:
                switch (_kinds[s])
                {
                    case Kind.Boolean:
                        _writer.WriteBooleanValue(value.ValueKind == JsonValueKind.True);
                        return null;
                    case Kind.String:
                        _writer.WriteStringValue(value.GetRawText());
                        return null;
                    default:
                        return Mismatch(s, value.GetRawText());
                }
            default:
                return Mismatch(s, value.ValueKind == JsonValueKind.Object ? "an object" : "a list", quote: false);
        }
    }

    /// <summary>Writes a CSV value or JSON string for schema field s, converted to the field's type.</summary>
    private RowFailure? WriteText(int s, ReadOnlySpan<char> text)
    {
        var t = text.Trim();
        switch (_kinds[s])
        {
            case Kind.String:
                _writer.WriteStringValue(text);
                return null;
            case Kind.Integer when long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l):
                _writer.WriteNumberValue(l);
                return null;
            case Kind.Decimal when decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d):
                _writer.WriteNumberValue(d);
                return null;
            case Kind.Boolean when TryParseBoolean(t, out bool b):
                _writer.WriteBooleanValue(b);
                return null;
            case Kind.DateTime when TryWriteDateTime(t):
                return null;
            default:
                return Mismatch(s, text.ToString());
        }
    }

    private static bool TryParseBoolean(ReadOnlySpan<char> t, out bool value)
    {
        if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Equals("yes", StringComparison.OrdinalIgnoreCase) || t is "1")
            return value = true;
        value = false;
        return t.Equals("false", StringComparison.OrdinalIgnoreCase) || t.Equals("no", StringComparison.OrdinalIgnoreCase) || t is "0";
    }

    private RowFailure? Missing(int s)
    {
        if (_schema[s].Required) return Required(s);
        _writer.WriteNullValue();
        return null;
    }

    private RowFailure? MissingRequired()
    {
        for (int s = 0; s < _schema.Length; s++)
            if (_schema[s].Required && !_seen[s]) return Required(s);
        return null;
    }
}
