namespace JobTracker.Jobs.Files;

/// <summary>
/// One batch's part of the source file: data rows [FirstRow, FirstRow + RowCount) (1-based, header
/// excluded), stored in bytes [ByteOffset, ByteOffset + ByteLength) and starting on physical line FirstLine.
/// </summary>
public sealed record BatchSlice(int BatchNo, long FirstRow, int RowCount, long ByteOffset, long ByteLength, long FirstLine);
