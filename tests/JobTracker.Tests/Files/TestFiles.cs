using System.Text;
using JobTracker.Jobs.Files;

namespace JobTracker.Tests.Files;

/// <summary>A real file in the temp folder, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"jobtracker-{Guid.NewGuid():N}.tmp");

    public TempFile(byte[] content) => File.WriteAllBytes(Path, content);

    public TempFile(string content, bool bom = false)
        : this(bom ? [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(content)] : Encoding.UTF8.GetBytes(content))
    {
    }

    public FileStream Open() => new(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);

    public void Dispose() => File.Delete(Path);
}

internal static class TestFiles
{
    public static SplitResult Split(TempFile file, FileFormat format, int batchSize = 1000, string? keyField = null)
    {
        using var stream = file.Open();
        return FileSplitter.Split(stream, format, batchSize, keyField, CancellationToken.None);
    }

    public static SplitResult Split(string content, FileFormat format, int batchSize = 1000, string? keyField = null, bool bom = false)
    {
        using var file = new TempFile(content, bom);
        return Split(file, format, batchSize, keyField);
    }

    /// <summary>The message of the UnreadableFileException that splitting the content throws.</summary>
    public static string SplitError(byte[] content, FileFormat format, string? keyField = null)
    {
        using var file = new TempFile(content);
        return Assert.Throws<UnreadableFileException>(() => Split(file, format, 10, keyField)).Message;
    }

    public static string SplitError(string content, FileFormat format, string? keyField = null) =>
        SplitError(Encoding.UTF8.GetBytes(content), format, keyField);

    /// <summary>Reads every slice back, checking that each slice yields exactly its rows with the right numbers.</summary>
    public static List<ImportRow> ReadAll(TempFile file, FileFormat format, SplitResult split)
    {
        var rows = new List<ImportRow>();
        using var stream = file.Open();
        // Read the slices in reverse order, as workers may, to prove each slice stands alone.
        foreach (var slice in split.Batches.Reverse())
        {
            var batch = SliceReader.Read(stream, format, split.CsvHeader, slice).ToList();
            Assert.Equal(slice.RowCount, batch.Count);
            Assert.Equal(Enumerable.Range(0, slice.RowCount).Select(i => slice.FirstRow + i), batch.Select(r => r.RowNumber));
            rows.InsertRange(0, batch);
        }
        return rows;
    }

    /// <summary>The text of the file at a slice: what a worker would read.</summary>
    public static string SliceText(TempFile file, BatchSlice slice) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(file.Path).AsSpan((int)slice.ByteOffset, (int)slice.ByteLength));
}
