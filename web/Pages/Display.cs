using System.Globalization;
using JobTracker.Jobs.Files;

namespace JobTracker.Web.Pages;

/// <summary>How values read on every page: row counts, status badges, file types (times: <see cref="TimeDisplay"/>).</summary>
public static class Display
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"succeeded / total"; the total reads "—" until it is known.</summary>
    public static string Rows(long succeeded, long? total) =>
        $"{Count(succeeded)} / {(total is { } t ? Count(t) : "—")}";

    public static string BadgeClass(string status) => "badge badge-" + status.ToLowerInvariant().Replace(' ', '-');

    /// <summary>A job's Type as pages show it: Import, Export, or Import (dry run).</summary>
    public static string JobType(string jobType, bool dryRun) => dryRun ? jobType + " (dry run)" : jobType;

    /// <summary>The label of an import's file type ("CSV"), or null for exports.</summary>
    public static string? FormatLabel(string? fileFormat) =>
        Enum.TryParse<FileFormat>(fileFormat, out var format) ? FileFormats.Label(format) : fileFormat;
}
