using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>
/// What the mapping page shows of a stored upload: its name, header, first data rows (<see cref="MappingStep.PreviewRows"/>),
/// the mapping the default matching (and any columns chosen) gives, and why it cannot be imported as it is, if so.
/// </summary>
public sealed record MappingPreview(
    string FileName, IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows, ColumnMapping? Mapping, string? Problem);
