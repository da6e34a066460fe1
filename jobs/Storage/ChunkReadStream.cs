using System.Buffers;
using System.Data;
using System.Data.Common;
using Dapper;
using JobTracker.Db;

namespace JobTracker.Jobs.Storage;

/// <summary>
/// A <see cref="StorageKind.Database"/> file read back one chunk at a time: it holds the chunk under
/// its position (at most <see cref="DatabaseContent.ChunkSize"/> bytes) and fetches another only when a
/// read leaves it. Seekable and cheap to seek, as the import's batches need (seek to a batch's bytes,
/// read them); a download reads it straight through. Opens its own connection on the first read and
/// closes it when disposed.
/// </summary>
internal sealed class ChunkReadStream(Database database, long fileId, long length) : Stream
{
    private const string SelectChunk = "SELECT data FROM stored_file_chunks WHERE file_id = @fileId AND chunk_no = @chunkNo";

    private byte[]? chunk;
    private int chunkLength;
    private int chunkNo = -1;
    private long position;
    private DbConnection? connection;
    private bool disposed;

    public override bool CanRead => !disposed;
    public override bool CanSeek => !disposed;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (position >= length || buffer.Length == 0) return 0;
        var wanted = (int)(position / DatabaseContent.ChunkSize);
        if (wanted != chunkNo)
        {
            connection ??= database.Open();
            using var reader = connection.ExecuteReader(new CommandDefinition(SelectChunk, new { fileId, chunkNo = wanted }), CommandBehavior.SequentialAccess);
            Load(reader, wanted);
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (position >= length || buffer.Length == 0) return 0;
        var wanted = (int)(position / DatabaseContent.ChunkSize);
        if (wanted != chunkNo)
        {
            connection ??= await database.OpenAsync(cancellationToken);
            await using var reader = await connection.ExecuteReaderAsync(
                new CommandDefinition(SelectChunk, new { fileId, chunkNo = wanted }, cancellationToken: cancellationToken), CommandBehavior.SequentialAccess);
            await LoadAsync(reader, wanted, cancellationToken);
        }
        return CopyOut(buffer.Span);
    }

    private void Load(IDataReader reader, int wanted)
    {
        if (!reader.Read()) throw Missing(wanted);
        Fill(reader, wanted);
    }

    private async Task LoadAsync(DbDataReader reader, int wanted, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken)) throw Missing(wanted);
        Fill(reader, wanted);
    }

    /// <summary>Copies the chunk's bytes into the one buffer this stream keeps, checking it has the size its place says.</summary>
    private void Fill(IDataRecord reader, int wanted)
    {
        var expected = (int)Math.Min(DatabaseContent.ChunkSize, length - (long)wanted * DatabaseContent.ChunkSize);
        if (reader.GetBytes(0, 0, null, 0, 0) != expected)
            throw new InvalidDataException($"Chunk {wanted} of stored file {fileId} does not hold the {expected:N0} bytes it should: the file is damaged.");
        chunk ??= ArrayPool<byte>.Shared.Rent(DatabaseContent.ChunkSize);
        chunkNo = -1;
        var filled = 0;
        long read;
        while (filled < expected && (read = reader.GetBytes(0, filled, chunk, filled, expected - filled)) > 0)
            filled += (int)read;
        if (filled != expected) throw new EndOfStreamException($"Chunk {wanted} of stored file {fileId} ended after {filled:N0} of {expected:N0} bytes.");
        chunkNo = wanted;
        chunkLength = filled;
    }

    private int CopyOut(Span<byte> buffer)
    {
        var at = (int)(position - (long)chunkNo * DatabaseContent.ChunkSize);
        var count = Math.Min(buffer.Length, chunkLength - at);
        chunk.AsSpan(at, count).CopyTo(buffer);
        position += count;
        return count;
    }

    private InvalidDataException Missing(int wanted) =>
        new($"Chunk {wanted} of stored file {fileId} is missing from the database: the file is damaged.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            connection?.Dispose();
            connection = null;
            if (chunk is not null) ArrayPool<byte>.Shared.Return(chunk);
            chunk = null;
            disposed = true;
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (connection is not null) await connection.DisposeAsync();
        connection = null;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
