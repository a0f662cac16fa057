namespace RaftKv.Cluster.Tests.Support;

/// <summary>One WAL record: where it starts, its payload length, its type (1 header, 2 entry, 3 hard state) and whether it ends a batch.</summary>
public sealed record WalRecord(long Offset, int PayloadLength, byte Type, bool EndsBatch)
{
    public long End => Offset + WalSegment.HeaderBytes + PayloadLength;
}
