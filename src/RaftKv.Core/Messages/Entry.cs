namespace RaftKv.Core;

/// <summary>What an entry of the replicated log carries.</summary>
public enum EntryType
{
    /// <summary>An application command, opaque to the core.</summary>
    Command = 0,

    /// <summary>The empty entry a new leader appends to commit everything before it (Raft §5.4.2, thesis §6.4).</summary>
    NoOp = 1,

    /// <summary>A membership change; <see cref="Entry.Data"/> holds an encoded <see cref="ConfigChange"/>.</summary>
    ConfigChange = 2,
}

/// <summary>One entry of the replicated log. Index and term identify it uniquely (Log Matching).</summary>
public readonly record struct Entry(long Index, long Term, EntryType Type, byte[] Data)
{
    public static Entry NoOpAt(long index, long term) => new(index, term, EntryType.NoOp, []);

    /// <summary>Approximate size in bytes, used to bound the size of AppendEntries messages.</summary>
    public int Size => Data.Length + 24;
}
