using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// The first frame after the hello on a snapshot stream (docs/PROTOCOL.md "Snapshot streams"): the InstallSnapshot
/// message with its data left empty, how many data bytes follow in binary chunk frames, and the CRC-64 (ECMA-182) of
/// all of them, which the receiver checks before the snapshot goes anywhere near its state.
/// </summary>
public sealed record SnapshotOffer(Message Message, long Length, ulong Checksum);
