using System.Text;

namespace JobTracker.Jobs.Files;

/// <summary>The record of a wide CSV row, written from its UTF-8 bytes: the same checks and JSON as for <see cref="ImportRow.CsvValues"/>.</summary>
public sealed partial class RecordBuilder
{
    /// <summary>The record's size when nothing needs escaping (names, quotes, colons, commas, braces), and some room: usually no growing.</summary>
    private int WideRecordCapacity(CsvWideRow values)
    {
        long bytes = 2 + 4096;
        for (int i = 0; i < values.Count; i++)
            bytes += values[i].Length + 6 + (i < _csvNames!.Length ? _csvNames[i].EncodedUtf8Bytes.Length : 0);
        return (int)Math.Min(Array.MaxLength, bytes + bytes / 64);
    }

    private RowFailure? WriteCsv(CsvWideRow values, out string? key)
    {
        if (_csvNames is null || _csvSchema is null || _csvHeader is null)
            throw new InvalidOperationException("CSV rows need the header: create the RecordBuilder with csvHeader.");
        key = null;
        if (values.Count > _limits.MaxColumns) return new RowFailure(null, _limits.TooManyColumns(values.Count));
        if (values.Count != _csvNames.Length)
            return new RowFailure(null, $"The row has {values.Count} fields; the header has {_csvNames.Length}.");
        if (_csvKey >= 0 && Encoding.UTF8.GetString(values[_csvKey]) is var k && !string.IsNullOrWhiteSpace(k)) key = k;

        Array.Clear(_seen);
        _writer.WriteStartObject();
        for (int i = 0; i < values.Count; i++)
        {
            if (i == _csvKey && key is null) return KeyEmpty();
            if (_csvSchema[i] == IgnoredColumn) continue;
            var value = values[i];
            if (value.Length > _limits.MaxFieldBytes)
                return new RowFailure(_csvHeader[i], _limits.FieldTooLong(_csvHeader[i], value.Length));
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
            if (_kinds[s] == Kind.String)
            {
                _writer.WriteStringValue(value);
                continue;
            }
            var failure = WriteText(s, Encoding.UTF8.GetString(value));
            if (failure is not null) return failure;
        }
        _writer.WriteEndObject();
        if (_keyField is not null && _csvKey < 0) return KeyEmpty();
        return MissingRequired();
    }
}
