using System.Net;
using Microsoft.Extensions.Logging;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>Every line the transport logs, source-generated so that a disabled level costs nothing on hot paths.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1, LogLevel.Information, "Node {NodeId} listening on {EndPoint} for peers and clients")]
    public static partial void Listening(ILogger logger, int nodeId, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Warning, "Refused {Count} connection(s): already serving the maximum of {Max}")]
    public static partial void ConnectionsRefused(ILogger logger, long count, int max);

    [LoggerMessage(3, LogLevel.Warning, "Closing connection from {Remote}: {Reason}")]
    public static partial void ConnectionRejected(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Connection from {Remote} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(5, LogLevel.Information, "Peer {PeerId} connected from {Remote}")]
    public static partial void PeerAccepted(ILogger logger, int peerId, EndPoint? remote);

    [LoggerMessage(6, LogLevel.Information, "Peer {PeerId} ({Remote}) disconnected: {Reason}")]
    public static partial void PeerLeft(ILogger logger, int peerId, EndPoint? remote, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Client request {RequestId} failed in the handler; answering {Status}")]
    public static partial void HandlerFailed(ILogger logger, long requestId, Protocol.ClientStatus status, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "Connection from {Remote} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Connected to peer {PeerId} at {Address}")]
    public static partial void PeerConnected(ILogger logger, int peerId, string address);

    [LoggerMessage(21, LogLevel.Warning, "Lost connection to peer {PeerId} at {Address} ({Reason}); reconnecting with backoff")]
    public static partial void PeerLost(ILogger logger, int peerId, string address, string reason);

    /// <summary>A peer that closed its end cleanly (Ctrl+C, restart) is news, not a problem: INFO, where a broken link is WARN.</summary>
    [LoggerMessage(26, LogLevel.Information, "Peer {PeerId} at {Address} closed the connection (shutting down or restarting); reconnecting with backoff")]
    public static partial void PeerClosed(ILogger logger, int peerId, string address);

    [LoggerMessage(22, LogLevel.Information, "Cannot reach peer {PeerId} at {Address} yet ({Reason}); retrying with backoff")]
    public static partial void PeerUnreachable(ILogger logger, int peerId, string address, string reason);

    [LoggerMessage(23, LogLevel.Debug, "Dialing peer {PeerId} at {Address} failed ({Reason}); next try in {Delay}")]
    public static partial void DialFailed(ILogger logger, int peerId, string address, string reason, TimeSpan delay);

    [LoggerMessage(24, LogLevel.Warning, "Dropped a {Type} message to peer {PeerId}: {Bytes} bytes is over the peer frame limit of {Limit}")]
    public static partial void MessageTooLarge(ILogger logger, MessageType type, int peerId, int bytes, int limit);

    [LoggerMessage(25, LogLevel.Warning, "Dropped a {Type} message to node {PeerId}, which is not a known peer")]
    public static partial void UnknownPeer(ILogger logger, MessageType type, int peerId);

    [LoggerMessage(32, LogLevel.Warning, "Refused connection from {Remote}: no valid certificate of the cluster CA ({Reason})")]
    public static partial void TlsRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(27, LogLevel.Warning, "TLS handshake with peer {PeerId} at {Address} failed: {Reason}")]
    public static partial void PeerTlsFailed(ILogger logger, int peerId, string address, string reason);

    [LoggerMessage(28, LogLevel.Information, "Streaming the snapshot at index {Index} ({Bytes} bytes) to node {PeerId} in chunks of {ChunkBytes} bytes")]
    public static partial void SnapshotStreamStarted(ILogger logger, long index, long bytes, int peerId, int chunkBytes);

    [LoggerMessage(29, LogLevel.Information, "Sent the snapshot at index {Index} to node {PeerId} in {Seconds:0.###} s")]
    public static partial void SnapshotStreamSent(ILogger logger, long index, int peerId, double seconds);

    [LoggerMessage(30, LogLevel.Warning, "Streaming the snapshot at index {Index} to node {PeerId} stopped: {Reason} (the leader sends it again from the start)")]
    public static partial void SnapshotStreamFailed(ILogger logger, long index, int peerId, string reason);

    [LoggerMessage(31, LogLevel.Information, "Received the snapshot at index {Index} ({Bytes} bytes, checksum verified) from node {PeerId}")]
    public static partial void SnapshotReceived(ILogger logger, long index, long bytes, int peerId);
}
