using System.Text.Json;

namespace JobTracker.Jobs.Files;

/// <summary>
/// One data row read back from a slice. For CSV, <see cref="CsvValues"/> holds the values in header
/// order; for JSON and JSON Lines, <see cref="Json"/> holds the object. <see cref="Error"/> is set
/// when this one row cannot be read (a CSV row with the wrong number of fields, a JSON Lines line
/// that is not a JSON object) - the row fails, the rest of the file goes on. A wide CSV row (see
/// <see cref="SliceReader"/>) comes as <see cref="CsvWide"/> instead of <see cref="CsvValues"/>: its
/// UTF-8 bytes, valid only until the enumeration moves on. An import reads CSV rows as <see cref="CsvFields"/>
/// instead (<see cref="SliceReader"/>'s reuseRows), valid just as long.
/// </summary>
public readonly record struct ImportRow(long RowNumber, string[]? CsvValues, JsonElement Json, string? Error, CsvWideRow? CsvWide = null, CsvFields? CsvFields = null);
