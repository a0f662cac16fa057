using System.Net;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>Settings of a node's network layer. <see cref="Validate"/> says which value is wrong and why.</summary>
public sealed record TransportOptions
{
    /// <summary>Where the node listens for peers and clients. Port 0 picks a free port (see <see cref="RaftServer.LocalEndPoint"/>).</summary>
    public required IPEndPoint ListenEndPoint { get; init; }

    /// <summary>Peers must present this id in their hello; a node of another cluster is refused.</summary>
    public required string ClusterId { get; init; }

    /// <summary>This node's id (its line in servers.txt).</summary>
    public required int NodeId { get; init; }

    /// <summary>Largest frame payload accepted from a client.</summary>
    public int MaxClientFrameBytes { get; init; } = ProtocolLimits.DefaultMaxClientFrameBytes;

    /// <summary>Largest frame payload accepted from, and sent to, a peer (a snapshot travels in chunks, each one frame).</summary>
    public int MaxPeerFrameBytes { get; init; } = ProtocolLimits.DefaultMaxPeerFrameBytes;

    /// <summary>Data bytes per frame of a snapshot stream; at most <see cref="MaxPeerFrameBytes"/>.</summary>
    public int SnapshotChunkBytes { get; init; } = DefaultSnapshotChunkBytes;

    public const int DefaultSnapshotChunkBytes = 1 << 20;

    /// <summary>Where snapshot streams from the leader are staged until their checksum is verified; null: the system's temporary directory.</summary>
    public string? SnapshotStagingDirectory { get; init; }

    /// <summary>Inbound connections (peers and clients together) served at once; more are refused.</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>Requests one client connection may have in flight; past that the server stops reading from it.</summary>
    public int MaxRequestsInFlightPerClient { get; init; } = 1024;

    /// <summary>A connection that has not sent its hello within this time is closed.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a dial to a peer may take before it counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay before redialing a peer; doubles per failure up to <see cref="ReconnectMax"/>, with jitter.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages queued per peer; when full, further messages to that peer are dropped (Raft tolerates loss).</summary>
    public int PeerQueueCapacity { get; init; } = 8192;

    /// <summary>
    /// Mutual TLS for every connection, inbound and outbound, peers and clients alike; null for plain TCP (the loopback
    /// default). With TLS, a connection without a certificate of the cluster CA is refused before its hello is read.
    /// </summary>
    public RaftKv.Protocol.Tls.ClusterTls? Tls { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (ListenEndPoint is null) throw new ArgumentException("ListenEndPoint is required", nameof(ListenEndPoint));
        if (string.IsNullOrWhiteSpace(ClusterId)) throw new ArgumentException("ClusterId must not be empty", nameof(ClusterId));
        if (NodeId < 0) throw new ArgumentException($"NodeId is {NodeId}; node ids are never negative", nameof(NodeId));
        RequirePositive(MaxClientFrameBytes, nameof(MaxClientFrameBytes));
        RequirePositive(MaxPeerFrameBytes, nameof(MaxPeerFrameBytes));
        RequirePositive(SnapshotChunkBytes, nameof(SnapshotChunkBytes));
        if (SnapshotChunkBytes > MaxPeerFrameBytes)
            throw new ArgumentException($"SnapshotChunkBytes ({SnapshotChunkBytes}) is more than MaxPeerFrameBytes ({MaxPeerFrameBytes}): a chunk must fit in one frame", nameof(SnapshotChunkBytes));
        RequirePositive(MaxConnections, nameof(MaxConnections));
        RequirePositive(MaxRequestsInFlightPerClient, nameof(MaxRequestsInFlightPerClient));
        RequirePositive(PeerQueueCapacity, nameof(PeerQueueCapacity));
        RequirePositive(HelloTimeout, nameof(HelloTimeout));
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(ReconnectMin, nameof(ReconnectMin));
        if (ReconnectMax < ReconnectMin)
            throw new ArgumentException($"ReconnectMax ({ReconnectMax}) is less than ReconnectMin ({ReconnectMin})", nameof(ReconnectMax));
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} is {value}; it must be positive", name);
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} is {value}; it must be positive", name);
    }
}
