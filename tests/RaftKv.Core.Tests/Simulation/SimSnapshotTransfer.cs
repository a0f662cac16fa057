namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// One snapshot stream in flight from a leader to a follower (the simulated counterpart of a
/// <c>SnapshotStreamer</c> connection and the receiver's staging file). Only sizes travel: the snapshot itself is
/// handed to the receiver's replica, whole, once every byte has arrived.
/// </summary>
public sealed class SimSnapshotTransfer(int id, Message message, int fromIncarnation, int toIncarnation, long bytes)
{
    public int Id { get; } = id;

    /// <summary>The InstallSnapshot message the sender's core sent; delivered when the stream completes.</summary>
    public Message Message { get; } = message;

    public int From => Message.From;
    public int To => Message.To;

    /// <summary>The leader's term when it offered the snapshot: a stream is replaced only by an offer of another term.</summary>
    public long Term => Message.Term;

    public long SnapshotIndex => Message.Snapshot!.Metadata.Index;

    /// <summary>The incarnations of both ends when the stream opened: a crash of either closes it.</summary>
    public int FromIncarnation { get; } = fromIncarnation;
    public int ToIncarnation { get; } = toIncarnation;

    /// <summary>The snapshot's size in bytes (what the offer frame announces).</summary>
    public long Bytes { get; } = bytes;

    /// <summary>Bytes the receiver has written to its staging file.</summary>
    public long Received { get; set; }

    /// <summary>When the stream began to stand still (a partition blocks its link); null while it moves.</summary>
    public long? StalledSince { get; set; }

    /// <summary>The stream stood still behind a partition at least once.</summary>
    public bool Stalled { get; set; }

    /// <summary>Every byte arrived and the receiver took the snapshot; the sender waits for the receiver to close.</summary>
    public bool Delivered { get; set; }

    /// <summary>The stream is over (closed after delivery, or cut): the sender's slot is free.</summary>
    public bool Ended { get; set; }

    /// <summary>When the stream opened.</summary>
    public long Started { get; init; }

    public override string ToString() =>
        $"stream {Id} {From}->{To} snapshot {SnapshotIndex} (term {Term}) {Received}/{Bytes} bytes{(Delivered ? " delivered" : "")}{(Ended ? " ended" : "")}";
}
