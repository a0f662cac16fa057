using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Metrics;
using RaftKv.Node.Events;
using RaftKv.StateMachine;
using RaftKv.Storage;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>
/// The node driver (DESIGN.md "Node driver"): one event loop owns the Raft core, the storage and the
/// state machine. Ticks, peer messages and client requests reach it through channels; for each
/// <see cref="Ready"/> it persists first (one fsync for the whole batch: group commit), then sends,
/// then applies and answers the waiting clients. Nothing else touches the core, so there are no locks.
/// </summary>
public sealed partial class RaftNode : IAsyncDisposable
{
    /// <summary>Inputs taken per loop turn before a Ready is processed: bounds latency under load.</summary>
    private const int MaxInputsPerTurn = 4096;

    private readonly NodeOptions _options;
    private readonly ILogger _log;
    private readonly RaftStorage _storage;
    private readonly KvStateMachine _kv = new();
    private readonly Raft _raft;
    private readonly RaftServer _server;
    private readonly PeerSender _peers;
    private readonly Channel<NodeEvent> _events = Channel.CreateUnbounded<NodeEvent>(new() { SingleReader = true });
    private readonly Channel<Message> _inbound = Channel.CreateUnbounded<Message>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private volatile NodeView _view = NodeView.Initial;
    private volatile TaskCompletionSource _viewChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private RaftNode(NodeOptions options, ILoggerFactory loggers)
    {
        options.Validate();
        _options = options;
        _log = loggers.CreateLogger($"node-{options.Id}");
        var clusterId = options.EffectiveClusterId;

        _storage = RaftStorage.Open(options.DataDirectory, clusterId, options.Id, new StorageOptions { Fsync = options.Fsync });
        var recovery = _storage.Recovery;
        if (recovery.TornTail is { } torn) _log.LogWarning("storage recovery: {TornTail}", torn);
        foreach (var note in recovery.Notes) _log.LogWarning("storage recovery: {Note}", note);
        var state = _storage.Load();
        if (state.Snapshot is { } snap) _kv.Restore(snap.Data);

        var raftOptions = new RaftOptions
        {
            Id = options.Id,
            InitialConfig = ClusterConfig.OfVoters(Enumerable.Range(0, options.Servers.Count).ToArray()),
            HeartbeatTicks = options.HeartbeatTicks,
            ElectionTicks = options.ElectionTicks,
        };
        _raft = new Raft(raftOptions, state, new Random());
        _log.LogInformation(
            "node {Id} starting at {Address}: term {Term}, log [{First}..{Last}], commit {Commit}, data {Dir}",
            options.Id, options.Servers[options.Id], state.HardState.Term, _raft.FirstIndex, _raft.LastIndex, _raft.CommitIndex,
            Path.GetFullPath(options.DataDirectory));

        var transport = new TransportOptions
        {
            ListenEndPoint = ResolveEndPoint(options.Servers[options.Id]),
            ClusterId = clusterId,
            NodeId = options.Id,
        };
        var peers = new Dictionary<int, string>();
        for (var i = 0; i < options.Servers.Count; i++)
            if (i != options.Id) peers[i] = options.Servers[i];
        _peers = new PeerSender(transport, peers, loggers.CreateLogger($"node-{options.Id}.peers"));
        _server = new RaftServer(transport, _inbound.Writer, new ClientRequestHandler(this), loggers.CreateLogger($"node-{options.Id}.server"));
        Metrics = new NodeMetrics(options.Id, options.DataDirectory, [.. peers.Keys], _peers.IsConnected);
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
        node._loop = Task.Run(() => node.RunLoopAsync(node._stop.Token));
        node._ticker = Task.Run(() => node.RunTickerAsync(node._stop.Token));
        return node;
    }

    public int Id => _options.Id;
    public NodeOptions Options => _options;
    public NodeView View => _view;
    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    /// <summary>This node's instruments (meter <see cref="NodeMetrics.MeterName"/>).</summary>
    public NodeMetrics Metrics { get; }

    /// <summary>
    /// Raised on the event loop after each published view change, with the views before and after. Handlers must
    /// be quick and must not block (record, enqueue, signal); they see every change, in order.
    /// </summary>
    public event Action<NodeView, NodeView>? ViewChanged;

    /// <summary>Completes when the node has stopped; faulted if it stopped because of an error (corrupt storage, invariant broken).</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Publishes a new view (only the loop calls this) and wakes everyone waiting for a change.</summary>
    private void SetView(NodeView view)
    {
        if (view == _view) return;
        var before = _view;
        _view = view;
        Metrics.OnViewChanged(before, view);
        ViewChanged?.Invoke(before, view);
        var changed = _viewChanged;
        _viewChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, until this node knows a leader (itself or another).
    /// Returns the view then, or the last view when the time runs out.
    /// </summary>
    internal async Task<NodeView> WaitForLeaderAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var changed = _viewChanged.Task;
            var view = _view;
            if (view.Role == Role.Leader || (view.Role == Role.Follower && view.LeaderId != NodeIds.None)) return view;
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return _view;
            }
        }
    }

    internal bool Post(NodeEvent e) => _events.Writer.TryWrite(e);

    internal string? AddressOf(int nodeId) =>
        nodeId >= 0 && nodeId < _options.Servers.Count ? _options.Servers[nodeId] : null;

    private async Task RunTickerAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) _events.Writer.TryWrite(TickEvent.Instance);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private static IPEndPoint ResolveEndPoint(string address)
    {
        var colon = address.LastIndexOf(':');
        var host = address[..colon].Trim('[', ']');
        var port = int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        var addresses = Dns.GetHostAddresses(host);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses[0];
        return new IPEndPoint(chosen, port);
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
            if (Post(shutdown))
            {
                try
                {
                    await shutdown.TransferredTo.Task.WaitAsync(_options.ElectionTimeout * 2, cancellationToken);
                }
                catch (TimeoutException)
                {
                    _log.LogWarning("leadership transfer did not finish in time; stopping anyway");
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
        await _peers.DisposeAsync();
        _storage.Dispose();
        _stop.Dispose();
        Metrics.Dispose();
        _stopped.TrySetResult();
    }
}
