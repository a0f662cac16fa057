using RaftKv.Client;
using RaftKv.Node;
using RaftKv.Protocol;

namespace RaftKv.Host.Http;

/// <summary>
/// Asks every member for its status, as any client would (the client protocol's status op; this node's own
/// answer comes from its request handler in-process), and puts the answers side by side for the dashboard.
/// Nothing here reads the node's internals.
/// </summary>
public sealed class ClusterProbe : IAsyncDisposable
{
    /// <summary>How long a member may take to answer before it is shown unreachable.</summary>
    public static readonly TimeSpan MemberTimeout = TimeSpan.FromMilliseconds(400);

    private readonly RaftNode _node;
    private readonly ClientRequestHandler _local;
    private readonly RaftClient _probe;
    private readonly RaftClient _client;

    public ClusterProbe(RaftNode node)
    {
        _node = node;
        _local = new ClientRequestHandler(node);
        _probe = new RaftClient(new RaftClientOptions
        {
            Servers = node.Options.Servers,
            Timeout = MemberTimeout * 2,
            RequestTimeout = MemberTimeout,
        });
        _client = new RaftClient(new RaftClientOptions
        {
            Servers = node.Options.Servers,
            Timeout = TimeSpan.FromSeconds(5),
        });
    }

    /// <summary>
    /// A client of the whole cluster, for the key browser and the actions: it finds the leader and follows
    /// redirects, exactly as raftctl does (the dashboard's "transfer leadership to…" is raftctl transfer-leader).
    /// </summary>
    public RaftClient Client => _client;

    /// <summary>This node's own status, or null when its event loop did not answer within <paramref name="timeout"/>.</summary>
    public async Task<NodeStatus?> LocalStatusAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var response = await _local.HandleAsync(new ClientRequest { Op = ClientOp.Status }, deadline.Token);
            if (response.Node is { } status) _node.Metrics.ObserveStatus(status);
            return response.Node;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Every member's status, asked in parallel (a member that does not answer in time is unreachable), beside
    /// the leader's member list (the memberList op, as <c>raftctl member list</c> shows it), which gives each
    /// member's match index and lag behind the leader's last index. The members are those of servers.txt and
    /// those of the leader's configuration.
    /// </summary>
    public async Task<IReadOnlyList<MemberState>> MembersAsync(CancellationToken cancellationToken)
    {
        var servers = _node.Options.Servers;
        var asking = LeaderMembersAsync(cancellationToken);
        var bootstrap = Task.WhenAll(Enumerable.Range(0, servers.Count).Select(id => AskAsync(id, cancellationToken)));
        var progress = await asking;
        var answers = (await bootstrap).ToList();
        // Members added at run time (raftctl member add) are not in servers.txt; the leader's list names them.
        answers.AddRange(await Task.WhenAll(progress.Keys.Where(id => id >= servers.Count).Order().Select(id => AskAsync(id, cancellationToken))));
        return answers.Select(a =>
        {
            var member = progress.GetValueOrDefault(a.Id);
            var address = member?.Address ?? (a.Id < servers.Count ? servers[a.Id] : "?");
            return a.Status is { } s
                ? new MemberState(a.Id, address, a.Id == _node.Id, true, s.Role, s.Term, s.LeaderId, s.CommitIndex, s.AppliedIndex, s.LastIndex,
                    member?.Match, member?.Lag, null)
                : new MemberState(a.Id, address, a.Id == _node.Id, false, null, null, null, null, null, null, member?.Match, member?.Lag, a.Error);
        }).ToArray();
    }

    /// <summary>The leader's member list by id, or nothing when no leader answers in time.</summary>
    private async Task<IReadOnlyDictionary<int, MemberView>> LeaderMembersAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(MemberTimeout * 2);
        try
        {
            var response = await _probe.MemberListAsync(deadline.Token);
            return response.Status == ClientStatus.Ok ? (response.Members ?? []).ToDictionary(m => m.Id) : new Dictionary<int, MemberView>();
        }
        catch (Exception e) when (e is ClusterUnavailableException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new Dictionary<int, MemberView>();
        }
    }

    private async Task<(int Id, NodeStatus? Status, string? Error)> AskAsync(int id, CancellationToken cancellationToken)
    {
        if (id == _node.Id)
        {
            var own = await LocalStatusAsync(MemberTimeout, cancellationToken);
            return (id, own, own is null ? "the event loop did not answer in time" : null);
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(MemberTimeout * 2);
        try
        {
            var response = await _probe.StatusAsync(id, deadline.Token);
            return (id, response.Node, response.Node is null ? response.Error ?? "no status in the answer" : null);
        }
        catch (Exception e) when (e is ClusterUnavailableException or ArgumentException)
        {
            return (id, null, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (id, null, $"no answer within {(MemberTimeout * 2).TotalMilliseconds:0} ms");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _probe.DisposeAsync();
        await _client.DisposeAsync();
    }
}
