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
    private readonly RaftClient _client;

    public ClusterProbe(RaftNode node)
    {
        _node = node;
        _local = new ClientRequestHandler(node);
        _client = new RaftClient(new RaftClientOptions
        {
            Servers = node.Options.Servers,
            Timeout = TimeSpan.FromSeconds(5),
            RequestTimeout = MemberTimeout,
        });
    }

    /// <summary>A client of the whole cluster, for the key browser: it finds the leader and follows redirects.</summary>
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

    /// <summary>Every member's status, asked in parallel; a member that does not answer in time is unreachable.</summary>
    public async Task<IReadOnlyList<MemberState>> MembersAsync(CancellationToken cancellationToken)
    {
        var servers = _node.Options.Servers;
        var answers = await Task.WhenAll(Enumerable.Range(0, servers.Count).Select(id => AskAsync(id, cancellationToken)));

        // Lag is measured against the leader of the highest term that answered.
        var leader = answers.Where(a => a.Status is { Role: "leader" }).OrderByDescending(a => a.Status!.Term).FirstOrDefault().Status;
        return answers.Select(a => a.Status is { } s
            ? new MemberState(a.Id, servers[a.Id], a.Id == _node.Id, true, s.Role, s.Term, s.LeaderId, s.CommitIndex, s.AppliedIndex, s.LastIndex,
                leader is null ? null : Math.Max(0, leader.CommitIndex - s.AppliedIndex), null)
            : new MemberState(a.Id, servers[a.Id], a.Id == _node.Id, false, null, null, null, null, null, null, null, a.Error)).ToArray();
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
            var response = await _client.StatusAsync(id, deadline.Token);
            return (id, response.Node, response.Node is null ? response.Error ?? "no status in the answer" : null);
        }
        catch (ClusterUnavailableException e)
        {
            return (id, null, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (id, null, $"no answer within {(MemberTimeout * 2).TotalMilliseconds:0} ms");
        }
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
