namespace JobTracker.Jobs.Files;

/// <summary>Maps upload file names to <see cref="FileFormat"/> and formats to the label users see.</summary>
public static class FileFormats
{
    /// <summary>The format implied by the file's extension (case-insensitive), or null when it is not one we import.</summary>
    public static FileFormat? FromFileName(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".csv" => FileFormat.Csv,
            ".json" => FileFormat.Json,
            ".jsonl" or ".ndjson" => FileFormat.JsonLines,
            _ => null,
        };

    public static string Label(FileFormat f) => f switch
    {
        FileFormat.Csv => "CSV",
        FileFormat.Json => "JSON",
        FileFormat.JsonLines => "JSON Lines",
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, null),
    };
}
