namespace RaftKv.Storage;

/// <summary>
/// A write that a crash interrupted, found at the very end of the last segment and cut off by recovery.
/// It belonged to a <see cref="RaftStorage.Save"/> that never returned, so nothing in it was acknowledged.
/// </summary>
/// <param name="File">The segment file that was truncated (full path).</param>
/// <param name="Offset">Where the file now ends: the start of the incomplete batch.</param>
/// <param name="BytesCut">How many bytes were removed.</param>
/// <param name="Reason">What recovery found, and where.</param>
public sealed record TornTail(string File, long Offset, long BytesCut, string Reason)
{
    public override string ToString() => $"torn write cut at {File} offset {Offset} ({BytesCut} bytes): {Reason}";
}
