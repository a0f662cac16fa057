namespace RaftKv.Storage.Wal;

/// <summary>Where one record sits in a segment file's bytes.</summary>
internal readonly record struct Frame(int Offset, RecordType Type, bool EndOfBatch, int PayloadLength)
{
    public int PayloadOffset => Offset + RecordFormat.FrameHeaderSize;

    /// <summary>The offset just past the record: where the next one starts.</summary>
    public int End => PayloadOffset + PayloadLength;
}
