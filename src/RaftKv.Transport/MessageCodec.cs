using System.Buffers;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// The peer wire format of <see cref="Message"/>: one frame per message (<see cref="Frame"/>), whose payload is the
/// message as UTF-8 JSON (<see cref="PeerJsonContext"/>). <see cref="Read"/> is the one place where bytes from
/// another node become a message, so it also checks what the JSON contract cannot express (defined enum values,
/// non-negative terms and indexes, consecutive entries), and the Raft core never sees a message it could not send.
/// </summary>
public static class MessageCodec
{
    [ThreadStatic]
    private static PayloadBuffer? t_scratch;

    /// <summary>Writes <paramref name="m"/> as one whole frame: the 4-byte big-endian length, then the JSON.</summary>
    public static void Write(IBufferWriter<byte> output, Message m)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(m);
        var scratch = t_scratch ??= new PayloadBuffer();
        Frame.Write(output, scratch.Serialize(m, PeerJsonContext.Default.Message));
    }

    /// <summary>
    /// Parses the payload of one frame (as returned by <see cref="Frame.TryRead"/>).
    /// Throws <see cref="ProtocolException"/> when it is not a valid message; throws nothing else.
    /// </summary>
    public static Message Read(ReadOnlySequence<byte> payload)
    {
        var m = JsonPayload.Read(payload, PeerJsonContext.Default.Message, "peer message");
        // Init-only properties are set through an object initializer, so a message without "entries" comes back with
        // null instead of the declared []. Absent means none; an explicit null is refused by the contract.
        if (m.Entries is null) m = m with { Entries = [] };
        Validate(m);
        // Its data would be missing: a snapshot comes only on a snapshot stream (SnapshotReceiver), never in a peer frame.
        if (m.Type == MessageType.Snapshot) throw new ProtocolException("peer message: a snapshot travels on a snapshot stream, not in a peer frame");
        return m;
    }

    /// <summary>Checks what the JSON contract cannot express; throws <see cref="ProtocolException"/> naming the first problem.</summary>
    internal static void Validate(Message m)
    {
        if (!Enum.IsDefined(m.Type))
            throw new ProtocolException(m.Type == 0 ? "peer message: missing type" : $"peer message: unknown type {(int)m.Type}");
        RequireNodeId(m.From, "from");
        RequireNodeId(m.To, "to");
        RequireNonNegative(m.Term, "term");
        RequireNonNegative(m.LogTerm, "logTerm");
        RequireNonNegative(m.Index, "index");
        RequireNonNegative(m.Commit, "commit");
        RequireNonNegative(m.RejectHint, "rejectHint");
        RequireNonNegative(m.Context, "context");

        var entries = m.Entries;
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (e.Data is null) throw new ProtocolException($"peer message: entry {i} has no data");
            if (e.Index < 1) throw new ProtocolException($"peer message: entry {i} has index {e.Index}; log indexes start at 1");
            RequireNonNegative(e.Term, "entry term");
            if (!Enum.IsDefined(e.Type))
                throw new ProtocolException($"peer message: entry {i} has unknown type {(int)e.Type}");
            // Log Matching relies on an append carrying a contiguous run right after prevLogIndex.
            var expected = i == 0 ? m.Index + 1 : entries[i - 1].Index + 1;
            if ((i > 0 || m.Type == MessageType.Append) && e.Index != expected)
                throw new ProtocolException($"peer message: entry {i} has index {e.Index}, expected {expected}");
        }

        if (m.Snapshot is { } snapshot)
        {
            var meta = snapshot.Metadata ?? throw new ProtocolException("peer message: snapshot without metadata");
            RequireNonNegative(meta.Index, "snapshot index");
            RequireNonNegative(meta.Term, "snapshot term");
            var config = meta.Config ?? throw new ProtocolException("peer message: snapshot without config");
            if (config.Voters is null || config.Learners is null) throw new ProtocolException("peer message: snapshot config without member lists");
            foreach (var id in config.Voters) RequireNodeId(id, "snapshot voter");
            foreach (var id in config.Learners) RequireNodeId(id, "snapshot learner");
            foreach (var (id, address) in config.Addresses)
            {
                RequireNodeId(id, "snapshot member address");
                if (address.Length > ConfigChange.MaxAddressBytes)
                    throw new ProtocolException($"peer message: snapshot address of node {id} is longer than {ConfigChange.MaxAddressBytes} characters");
            }
        }
        else if (m.Type == MessageType.Snapshot)
        {
            throw new ProtocolException("peer message: snapshot message without a snapshot");
        }
    }

    private static void RequireNodeId(int id, string field)
    {
        if (id < 0) throw new ProtocolException($"peer message: {field} is {id}, node ids are never negative");
    }

    private static void RequireNonNegative(long value, string field)
    {
        if (value < 0) throw new ProtocolException($"peer message: {field} is {value}, must not be negative");
    }
}
