namespace RaftKv.Storage.Wal;

/// <summary>What <see cref="FrameReader.Read"/> found at an offset.</summary>
internal enum FrameStatus
{
    /// <summary>A whole record whose checksum matches.</summary>
    Valid,

    /// <summary>The file ends inside the record's header, or before the end its length field promises.</summary>
    RunsPastEnd,

    /// <summary>The checksum over type and payload does not match.</summary>
    ChecksumMismatch,

    /// <summary>The checksum matches but the type byte names no record type this build knows.</summary>
    UnknownType,
}
