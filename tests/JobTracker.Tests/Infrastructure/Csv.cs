using nietras.SeparatedValues;

namespace JobTracker.Tests.Infrastructure;

public static class Csv
{
    /// <summary>Parses CSV text (header included) into rows of cells.</summary>
    public static List<string[]> Parse(string text)
    {
        using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(text);
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            var cells = new string[row.ColCount];
            for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
            rows.Add(cells);
        }
        return rows;
    }
}
