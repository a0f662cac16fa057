namespace RaftKv.Protocol;

/// <summary>A frame's length prefix is over the limit: the connection must be closed.</summary>
public sealed class FrameTooLargeException(uint length, int limit)
    : IOException($"frame of {length} bytes exceeds the limit of {limit} bytes")
{
    public uint Length { get; } = length;
    public int Limit { get; } = limit;
}
