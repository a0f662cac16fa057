using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// Sends Raft messages to the other nodes over one long-lived connection per peer (see <see cref="PeerLink"/>).
/// <see cref="Send"/> never blocks the node's loop: a message is queued for its peer, or dropped and counted when
/// the queue is full or the peer is unreachable. Raft tolerates loss; it does not tolerate a stalled leader.
/// The peer set follows the cluster's membership: <see cref="UpdatePeers"/> opens links to new members, closes
/// links to removed ones and redials a member whose address changed.
/// </summary>
public sealed class PeerSender : IAsyncDisposable
{
    private sealed record Running(PeerLink Link, string Address, CancellationTokenSource Stop, Task Task);

    /// <summary>How long a link to a peer that left the configuration keeps draining its queue.</summary>
    private static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(2);

    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, bool> _warnedUnknown = new();
    private readonly ConcurrentBag<Task> _retired = [];

    /// <summary>Links of peers just removed, still taking messages until their grace period ends (see <see cref="Retire"/>).</summary>
    private readonly ConcurrentDictionary<int, Running> _retiring = new();
    private volatile ImmutableDictionary<int, Running> _links = ImmutableDictionary<int, Running>.Empty;
    private long _droppedUnknown;
    private long _droppedRetired;
    private long _sentRetired;
    private int _disposed;

    /// <param name="peerAddresses">"host:port" of each peer by node id; this node's own entry, if present, is skipped.</param>
    public PeerSender(TransportOptions options, IReadOnlyDictionary<int, string> peerAddresses, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(peerAddresses);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _logger = logger;
        UpdatePeers(peerAddresses);
    }

    /// <summary>The peers this sender has links to, with their addresses.</summary>
    public IReadOnlyDictionary<int, string> Peers => _links.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.Address);

    /// <summary>
    /// Makes the peer set equal to <paramref name="peerAddresses"/> (this node's own entry is skipped): new ids get a
    /// link, missing ids lose theirs, an id whose address changed is redialled. Call from one thread at a time (the
    /// node's loop); <see cref="Send"/> may run concurrently.
    /// </summary>
    public void UpdatePeers(IReadOnlyDictionary<int, string> peerAddresses)
    {
        ArgumentNullException.ThrowIfNull(peerAddresses);
        if (_disposed != 0) return;
        var links = _links;
        foreach (var (id, address) in peerAddresses)
        {
            if (id < 0) throw new ArgumentException($"peer id {id} is negative", nameof(peerAddresses));
            if (id == _options.NodeId) continue;
            if (links.TryGetValue(id, out var existing))
            {
                if (existing.Address == address) continue;
                links = links.Remove(id);
                Retire(id, existing);
            }
            var link = new PeerLink(id, PeerAddress.Parse(address), _options, _logger);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            links = links.SetItem(id, new Running(link, address, stop, Task.Run(() => link.RunAsync(stop.Token))));
        }
        foreach (var (id, running) in links)
        {
            if (peerAddresses.ContainsKey(id)) continue;
            links = links.Remove(id);
            Retire(id, running);
        }
        _links = links;
    }

    private void Retire(int id, Running running)
    {
        // Not at once: the leader tells a member just removed that its removal committed, and repeats it with its
        // heartbeats for a while in case one message is lost (Raft.TellLeavers). Until the grace period ends the
        // link keeps taking those messages; then it stops.
        _retiring[id] = running;
        running.Stop.CancelAfter(RetireGrace);
        _retired.Add(running.Task.ContinueWith(_ =>
        {
            _retiring.TryRemove(new KeyValuePair<int, Running>(id, running));
            Interlocked.Add(ref _droppedRetired, running.Link.Dropped);
            Interlocked.Add(ref _sentRetired, running.Link.Sent);
            running.Stop.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default));
    }

    /// <summary>Queues <paramref name="message"/> for <see cref="Message.To"/>. Never blocks, never throws for a lost message.</summary>
    public void Send(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_links.TryGetValue(message.To, out var running) || _retiring.TryGetValue(message.To, out running))
        {
            running.Link.Send(message);
            return;
        }
        Interlocked.Increment(ref _droppedUnknown);
        if (_warnedUnknown.TryAdd(message.To, true)) TransportLog.UnknownPeer(_logger, message.Type, message.To);
    }

    /// <summary>Whether the connection to <paramref name="peerId"/> is up (its hello was sent). False for unknown ids.</summary>
    public bool IsConnected(int peerId) => _links.TryGetValue(peerId, out var running) && running.Link.IsConnected;

    /// <summary>Messages dropped so far: queue full, peer unreachable, unknown peer, or over the frame limit.</summary>
    public long DroppedMessages =>
        Interlocked.Read(ref _droppedUnknown) + Interlocked.Read(ref _droppedRetired) + _links.Values.Concat(_retiring.Values).Sum(r => r.Link.Dropped);

    /// <summary>Snapshot streams started so far, to every current peer (a repeated offer while one is under way starts none).</summary>
    public long SnapshotStreamsStarted => _links.Values.Sum(r => r.Link.SnapshotStreams);

    /// <summary>Snapshot chunk frames written so far, to every current peer: a snapshot travels in bounded pieces.</summary>
    public long SnapshotChunksSent => _links.Values.Sum(r => r.Link.SnapshotChunks);

    /// <summary>Messages written to a peer's connection so far (handed to TCP; not proof of delivery).</summary>
    public long SentMessages => Interlocked.Read(ref _sentRetired) + _links.Values.Concat(_retiring.Values).Sum(r => r.Link.Sent);

    /// <summary>Closes every peer connection and waits for the links to stop. Queued messages are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_links.Values.Select(r => r.Task).Concat(_retired)).ConfigureAwait(false);
        foreach (var running in _links.Values) running.Stop.Dispose();
        _stopping.Dispose();
    }
}
