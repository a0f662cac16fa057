using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// Sends Raft messages to the other nodes over one long-lived connection per peer (see <see cref="PeerLink"/>).
/// <see cref="Send"/> never blocks the node's loop: a message is queued for its peer, or dropped and counted when
/// the queue is full or the peer is unreachable. Raft tolerates loss; it does not tolerate a stalled leader.
/// </summary>
public sealed class PeerSender : IAsyncDisposable
{
    private readonly Dictionary<int, PeerLink> _links = [];
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, bool> _warnedUnknown = new();
    private readonly Task[] _running;
    private long _droppedUnknown;
    private int _disposed;

    /// <param name="peerAddresses">"host:port" of each peer by node id; this node's own entry, if present, is skipped.</param>
    public PeerSender(TransportOptions options, IReadOnlyDictionary<int, string> peerAddresses, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(peerAddresses);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _logger = logger;
        foreach (var (id, address) in peerAddresses)
        {
            if (id < 0) throw new ArgumentException($"peer id {id} is negative", nameof(peerAddresses));
            if (id == options.NodeId) continue;
            _links[id] = new PeerLink(id, PeerAddress.Parse(address), options, logger);
        }
        _running = [.. _links.Values.Select(link => Task.Run(() => link.RunAsync(_stopping.Token)))];
    }

    /// <summary>Queues <paramref name="message"/> for <see cref="Message.To"/>. Never blocks, never throws for a lost message.</summary>
    public void Send(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_links.TryGetValue(message.To, out var link))
        {
            link.Send(message);
            return;
        }
        Interlocked.Increment(ref _droppedUnknown);
        if (_warnedUnknown.TryAdd(message.To, true)) TransportLog.UnknownPeer(_logger, message.Type, message.To);
    }

    /// <summary>Whether the connection to <paramref name="peerId"/> is up (its hello was sent). False for unknown ids.</summary>
    public bool IsConnected(int peerId) => _links.TryGetValue(peerId, out var link) && link.IsConnected;

    /// <summary>Messages dropped so far: queue full, peer unreachable, unknown peer, or over the frame limit.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedUnknown) + _links.Values.Sum(link => link.Dropped);

    /// <summary>Messages written to a peer's connection so far (handed to TCP; not proof of delivery).</summary>
    public long SentMessages => _links.Values.Sum(link => link.Sent);

    /// <summary>Closes every peer connection and waits for the links to stop. Queued messages are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
