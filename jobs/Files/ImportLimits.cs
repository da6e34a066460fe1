using System.Globalization;

namespace JobTracker.Jobs.Files;

/// <summary>
/// The bounds that keep an import's memory flat whatever the file holds (see <see cref="EngineOptions"/>
/// for the settings): batches are cut at <see cref="BatchMaxBytes"/> as well as at the row count; a row
/// longer than <see cref="MaxRowBytes"/> fails without ever being read; a field longer than
/// <see cref="MaxFieldBytes"/>, a row of more than <see cref="MaxColumns"/> fields and a JSON record
/// nesting deeper than <see cref="MaxJsonDepth"/> fail as rows.
/// </summary>
public sealed record ImportLimits(long BatchMaxBytes, long MaxRowBytes, long MaxFieldBytes, int MaxColumns, int MaxJsonDepth)
{
    /// <summary>The defaults of <see cref="EngineOptions"/>.</summary>
    public static ImportLimits Default { get; } = From(new EngineOptions());

    public static ImportLimits From(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchMaxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRowBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFieldBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxColumns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxJsonDepth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxJsonDepth, MaxJsonDepthAllowed);
        return new ImportLimits(options.BatchMaxBytes, options.MaxRowBytes, options.MaxFieldBytes, options.MaxColumns, options.MaxJsonDepth);
    }

    /// <summary>The highest <see cref="MaxJsonDepth"/> accepted: deeper records are more than the JSON writer and the databases take.</summary>
    public const int MaxJsonDepthAllowed = 900;

    /// <summary>"3.2 MB", "512 KB", "900 bytes" (1 MB = 1,048,576 bytes).</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("#,0.#", CultureInfo.InvariantCulture) + " MB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("#,0.#", CultureInfo.InvariantCulture) + " KB",
        1 => "1 byte",
        _ => bytes.ToString("#,0", CultureInfo.InvariantCulture) + " bytes",
    };

    public string RowTooLong(long bytes) =>
        $"The row is {Size(bytes)}; the limit is {Size(MaxRowBytes)} (JobTracker:MaxRowBytes). It was not read.";

    public string TooManyColumns(int columns) =>
        $"The row has {columns.ToString("#,0", CultureInfo.InvariantCulture)} columns; the limit is {MaxColumns.ToString("#,0", CultureInfo.InvariantCulture)} (JobTracker:MaxColumns).";

    public string FieldTooLong(string field, long bytes) =>
        $"The field '{field}' is {Size(bytes)}; the limit is {Size(MaxFieldBytes)} (JobTracker:MaxFieldBytes).";

    public string TooDeep(long depth) =>
        $"The record nests {depth.ToString("#,0", CultureInfo.InvariantCulture)} levels deep; the limit is {MaxJsonDepth.ToString(CultureInfo.InvariantCulture)} (JobTracker:MaxJsonDepth).";
}
