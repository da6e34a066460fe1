using System.Diagnostics;
using System.Text;

namespace JobTracker.Benchmarks;

/// <summary>
/// Peak memory (VmHWM) of a separate process importing, each through the real pipeline: a normal file,
/// a file of 10 columns × 1 MB fields (20 rows of 10 MB: each row a batch of its own), and a normal file
/// with one 50 MB row in the middle (it fails as a row, unread). The memory bound says all three peak alike.
/// </summary>
internal static class WideRowBench
{
    private const int NormalRows = 200_000;

    public static async Task RunAsync(BenchOptions options)
    {
        Console.WriteLine("\n== Wide rows: peak memory of a separate process importing each file (VmHWM)");
        var normal = Path.Combine(options.Output, "wide-normal.csv");
        ImportBench.GenerateCsv(normal, NormalRows);
        var wide = Path.Combine(options.Output, "wide-10x1MB.csv");
        GenerateWide(wide, rows: 20);
        var huge = Path.Combine(options.Output, "wide-one-50MB-row.csv");
        GenerateHugeRow(huge, normal);
        foreach (var (label, file) in new[] { ("normal file", normal), ("10 columns × 1 MB fields", wide), ("one 50 MB row", huge) })
        {
            var start = new ProcessStartInfo("dotnet", [typeof(ImportBench).Assembly.Location, "--memory-child", file, "--output", options.Output])
            {
                RedirectStandardOutput = true,
            };
            using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the memory child");
            var output = (await child.StandardOutput.ReadToEndAsync()).Trim().Replace("\n", "; ");
            await child.WaitForExitAsync();
            Console.WriteLine($"{label,-26} {new FileInfo(file).Length / 1e6,6:N0} MB file: {output}");
        }
        foreach (var file in new[] { normal, wide, huge }) File.Delete(file);
    }

    /// <summary>The benchmark's 8 columns (notes within the 1 MB default field limit) plus f1..f9: notes and f1..f9 hold 1,000,000 bytes each.</summary>
    private static void GenerateWide(string path, int rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("id,name,notes,f1,f2,f3,f4,f5,f6,f7,f8,f9\n");
        var field = new string('w', 1_000_000);
        for (int i = 1; i <= rows; i++)
        {
            writer.Write($"{i},Wide {i}");
            for (int f = 0; f < 10; f++)
            {
                writer.Write(',');
                writer.Write(field);
            }
            writer.Write('\n');
        }
    }

    /// <summary>The normal file with one row whose notes are 50 MB, in the middle.</summary>
    private static void GenerateHugeRow(string path, string normal)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        int n = 0;
        foreach (var line in File.ReadLines(normal))
        {
            writer.Write(line);
            writer.Write('\n');
            if (++n == NormalRows / 2)
            {
                writer.Write($"{NormalRows + 1},Huge,huge@example.com,1.5,2024-01-31,active,Oslo,");
                writer.Write(new string('h', 50_000_000));
                writer.Write('\n');
            }
        }
    }
}
