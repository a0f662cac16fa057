using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Metrics;
using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.Replica;
using RaftKv.StateMachine;
using RaftKv.Storage;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>
/// The host of one replica (DESIGN.md "Replica and host"): the thin async shell around the deterministic
/// <see cref="Replica.Replica"/>. It owns the sockets (RaftServer, PeerSender), the ticker, the storage writer and
/// the channels; one loop task (RaftNode.Loop.cs) feeds the replica its events and publishes its view. Every
/// decision — what to persist, send, apply and answer — is the replica's. Nothing else touches the replica, so
/// there are no locks.
/// </summary>
public sealed partial class RaftNode : IAsyncDisposable
{
    /// <summary>Inputs taken per loop turn before the replica flushes: bounds latency under load.</summary>
    private const int MaxInputsPerTurn = 4096;

    /// <summary>Peer messages queued for the loop; beyond this the peer connections are not read (TCP pushes back).</summary>
    private const int InboundCapacity = 8192;

    private readonly NodeOptions _options;
    private readonly ILogger _log;
    private readonly RaftStorage _storage;
    private readonly StorageWriter _writer;
    private readonly Replica.Replica _replica;
    private readonly RaftServer _server;
    private readonly PeerSender _peers;

    /// <summary>Ticks, shutdown and storage news: few by construction (ticks coalesce, storage requests are bounded by the replica).</summary>
    private readonly Channel<NodeEvent> _control = Channel.CreateUnbounded<NodeEvent>(new() { SingleReader = true });

    /// <summary>Client requests; bounded, and a client beyond the bound is told "overloaded".</summary>
    private readonly Channel<ClientCall> _calls;
    private readonly Channel<Message> _inbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(InboundCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private Task _storageTask = Task.CompletedTask;
    private volatile ReplicaView _view = ReplicaView.Initial;
    private int _tickPending;
    private int _pendingCalls;
    private int _disposed;

    private RaftNode(NodeOptions options, ILoggerFactory loggers)
    {
        options.Validate();
        _options = options;
        _log = loggers.CreateLogger($"node-{options.Id}");
        var clusterId = options.EffectiveClusterId;
        _calls = Channel.CreateBounded<ClientCall>(new BoundedChannelOptions(options.MaxPendingRequests) { SingleReader = true });

        _storage = RaftStorage.Open(options.DataDirectory, clusterId, options.Id, new StorageOptions
        {
            Fsync = options.Fsync,
            SnapshotWriteBytesPerSecond = (long)options.SnapshotWriteMiBPerSecond << 20,
        });
        var recovery = _storage.Recovery;
        if (recovery.TornTail is { } torn) _log.LogWarning("Storage recovery: {TornTail}", torn);
        foreach (var note in recovery.Notes) _log.LogWarning("Storage recovery: {Note}", note);
        var state = _storage.Load();
        Metrics = new NodeMetrics(options.Id, options.DataDirectory,
            [.. Enumerable.Range(0, options.Servers.Count).Where(i => i != options.Id)], id => _peers?.IsConnected(id) == true);
        _writer = new StorageWriter(_storage, e => _control.Writer.TryWrite(e), _log, options.InjectedSyncDelay) { Metrics = Metrics };

        var transport = new TransportOptions
        {
            ListenEndPoint = ServerList.ResolveEndPoint(options.Listen ?? options.AdvertisedAddress),
            ClusterId = clusterId,
            NodeId = options.Id,
            Tls = options.Tls,
            MaxPeerFrameBytes = options.MaxPeerFrameBytes,
            SnapshotChunkBytes = Math.Min(options.SnapshotChunkBytes, options.MaxPeerFrameBytes),
            SnapshotStagingDirectory = options.SnapshotStagingDirectory,
        };
        // A stream cut off by a crash left its staging file behind; it is of no use (transfers restart from the start).
        RaftKv.Transport.SnapshotStaging.DeleteLeftovers(transport);
        BackupStream.DeleteLeftovers(options.DataDirectory);
        // The peer set follows the replica's applied configuration (FollowPeers), starting from servers.txt.
        _peers = new PeerSender(transport, new Dictionary<int, string>(), loggers.CreateLogger($"node-{options.Id}.peers"));

        var replicaOptions = new ReplicaOptions
        {
            Raft = new RaftOptions
            {
                Id = options.Id,
                // servers.txt is the bootstrap configuration only; a committed configuration in the log or a snapshot wins.
                InitialConfig = ClusterConfig.OfAddresses(options.Servers),
                HeartbeatTicks = options.HeartbeatTicks,
                ElectionTicks = options.ElectionTicks,
            },
            Servers = options.Servers,
            Address = options.Address,
            KnownPeers = options.KnownPeers,
            ClusterId = clusterId,
            SnapshotEntries = options.SnapshotEntries,
            SnapshotLogBytes = options.SnapshotLogBytes,
            MaxValueBytes = options.MaxValueBytes,
            CompactionRetryTicks = Math.Max(1, (int)(TimeSpan.FromSeconds(1) / options.TickInterval)),
            TicksPerSecond = Math.Max(1, (int)Math.Round(TimeSpan.FromSeconds(1) / options.TickInterval)),
        };
        _replica = new Replica.Replica(replicaOptions, state, new Random(), _writer, new PeerOutbox(_peers), _log);
        var core = _replica.Core;
        _log.LogInformation(
            "Node {Id} starting at {Address}: term {Term}, log [{First}..{Last}], commit {Commit}, data {Dir}",
            options.Id, options.AdvertisedAddress, state.HardState.Term, core.FirstIndex, core.LastIndex, core.CommitIndex,
            Path.GetFullPath(options.DataDirectory));
        WarnIfServersFileDisagrees();
        if (!core.Config.Contains(options.Id))
            _log.LogInformation("Node {Id} is not in the configuration {Config}: it neither votes nor campaigns until a leader adds it (raftctl member add)", options.Id, core.Config);
        FollowPeers();
        _server = new RaftServer(transport, _inbound.Writer, new ClientRequestHandler(this), loggers.CreateLogger($"node-{options.Id}.server"));
    }

    /// <summary>Opens storage (recovering it), starts listening and runs the event loop.</summary>
    public static RaftNode Start(NodeOptions options, ILoggerFactory loggers)
    {
        var node = new RaftNode(options, loggers);
        try
        {
            node._server.Start();
        }
        catch
        {
            node._storage.Dispose();
            throw;
        }
        node._storageTask = Task.Factory.StartNew(() => node._writer.RunAsync(node._stop.Token), node._stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        node._loop = Task.Run(() => node.RunLoopAsync(node._stop.Token));
        node._ticker = Task.Run(() => node.RunTickerAsync(node._stop.Token));
        return node;
    }

    public int Id => _options.Id;
    public NodeOptions Options => _options;
    public ReplicaView View => _view;
    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    /// <summary>This node's instruments (meter <see cref="NodeMetrics.MeterName"/>).</summary>
    public NodeMetrics Metrics { get; }

    /// <summary>
    /// Raised on the loop after each turn whose published view differs from the last, with the views before and
    /// after. Handlers must be quick and must not block (record, enqueue, signal).
    /// </summary>
    public event Action<ReplicaView, ReplicaView>? ViewChanged;

    /// <summary>Completes when the node has stopped; faulted if it stopped because of an error (corrupt storage, invariant broken).</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Publishes the replica's view (only the loop calls this).</summary>
    private void SetView(ReplicaView view)
    {
        if (ReferenceEquals(view, _view)) return;
        var before = _view;
        _view = view;
        if (view == before) return;
        Metrics.OnViewChanged(before, view);
        ViewChanged?.Invoke(before, view);
    }

    /// <summary>
    /// Queues a client request for the loop. False when the node is at its limit of pending requests
    /// (<see cref="NodeOptions.MaxPendingRequests"/>) or stopping: the caller answers "overloaded".
    /// </summary>
    internal bool TryPost(ClientCall call)
    {
        if (Interlocked.Increment(ref _pendingCalls) > _options.MaxPendingRequests || !_calls.Writer.TryWrite(call))
        {
            Interlocked.Decrement(ref _pendingCalls);
            return false;
        }
        return true;
    }

    /// <summary>A request posted with <see cref="TryPost"/> was answered (or abandoned).</summary>
    /// <summary>Hands a new watch to the loop; false when the node is stopping.</summary>
    internal bool TryPostWatch(Watcher watcher) => _control.Writer.TryWrite(new WatchRegistration(watcher));

    /// <summary>Asks the loop to freeze the leader's state for a backup; false when the node is stopping.</summary>
    internal bool TryPostBackup(BackupCapture capture) => _control.Writer.TryWrite(capture);

    internal void Released() => Interlocked.Decrement(ref _pendingCalls);

    /// <summary>An answer made outside the loop (overload, timeout), with the leader hint of the published view.</summary>
    internal ClientResponse Respond(ClientRequest request, ClientStatus status, string error)
    {
        var leader = _view.LeaderId;
        var address = leader >= 0 ? _addresses.GetValueOrDefault(leader) : null;
        return new ClientResponse
        {
            Id = request.Id,
            Status = status,
            LeaderId = address is null ? null : leader,
            LeaderAddress = address,
            Error = error,
        };
    }

    /// <summary>Every member's address as the replica last published it (read by connection handlers for leader hints).</summary>
    private volatile System.Collections.Immutable.ImmutableDictionary<int, string> _addresses = System.Collections.Immutable.ImmutableDictionary<int, string>.Empty;
    private IReadOnlyDictionary<int, string>? _peerAddresses;

    /// <summary>After each flush: point the transport at the members of the configuration the replica has applied.</summary>
    private void FollowPeers()
    {
        _addresses = _replica.AddressBook;
        var peers = _replica.PeerAddresses;
        if (ReferenceEquals(peers, _peerAddresses)) return;
        _peerAddresses = peers;
        _peers.UpdatePeers(peers);
    }

    /// <summary>Logs, once at start, where servers.txt and the committed configuration disagree (the configuration wins).</summary>
    private void WarnIfServersFileDisagrees()
    {
        var config = _replica.Core.Config;
        var bootstrap = ClusterConfig.OfAddresses(_options.Servers);
        if (config.Voters.AsSpan().SequenceEqual(bootstrap.Voters) && config.Learners.Length == 0 &&
            config.Addresses.All(a => bootstrap.AddressOf(a.Key) == a.Value))
            return;
        _log.LogWarning(
            "servers.txt lists {Servers} but the committed configuration is {Config}; the committed configuration wins (servers.txt is only the bootstrap)",
            bootstrap, config);
    }

    private async Task RunTickerAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                // Ticks coalesce: while one waits in the queue (the loop is busy or stalled), the next is dropped,
                // so a stall never turns into a burst of ticks that could fail a healthy CheckQuorum round.
                if (Interlocked.Exchange(ref _tickPending, 1) == 0) _control.Writer.TryWrite(TickEvent.Instance);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>
    /// Graceful stop (Ctrl+C, SIGTERM): a leader first hands leadership to its most up-to-date follower
    /// and waits, at most an election timeout, until a successor is known; then everything is flushed
    /// and closed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_loop.IsCompleted)
        {
            var shutdown = new ShutdownEvent();
            if (_control.Writer.TryWrite(shutdown))
            {
                try
                {
                    await shutdown.TransferredTo.Task.WaitAsync(_options.ElectionTimeout * 2, cancellationToken);
                }
                catch (TimeoutException)
                {
                    _log.LogWarning("Leadership transfer did not finish in time; stopping anyway");
                }
            }
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _server.DisposeAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        try { await _ticker; } catch (OperationCanceledException) { }
        try { await _storageTask; } catch (OperationCanceledException) { }
        await _peers.DisposeAsync();
        _storage.Dispose();
        _stop.Dispose();
        Metrics.Dispose();
        _stopped.TrySetResult();
    }
}
