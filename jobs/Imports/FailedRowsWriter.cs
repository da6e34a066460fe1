using JobTracker.Jobs.Files;

namespace JobTracker.Jobs.Imports;

/// <summary>Writes a failed-rows file (<see cref="FailedRowsFile"/>) of one format: what comes before the rows, each batch's failed rows, what comes after.</summary>
internal abstract class FailedRowsWriter(Stream source, Stream output)
{
    protected const int ChunkBytes = 1 << 16;

    protected Stream Source { get; } = source;
    protected Stream Output { get; } = output;

    public virtual Task BeginAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the rows of <paramref name="slice"/> that <paramref name="failures"/> names (by row number), in file order.</summary>
    public abstract Task WriteBatchAsync(BatchSlice slice, IReadOnlyDictionary<long, (string? Field, string? Message)> failures, CancellationToken cancellationToken);

    public virtual Task EndAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Copies file bytes [<paramref name="start"/>, <paramref name="end"/>) to the output, a chunk at a time.</summary>
    protected async Task CopyAsync(long start, long end, CancellationToken cancellationToken)
    {
        Source.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, end - start))];
        for (long left = end - start; left > 0;)
        {
            int n = await Source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (n == 0) throw new UnreadableFileException("The stored file is shorter than its batches say. Has it changed since it was split?");
            await Output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            left -= n;
        }
    }
}
