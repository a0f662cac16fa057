using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Host;

/// <summary>
/// --join: asks the given members, in turn, for their status, which carries the cluster id, the bootstrap server
/// list (the configuration the log starts from) and every member's address. Nothing is changed in the cluster:
/// the operator adds the node with <c>raftctl member add</c>, and its leader then contacts the node.
/// </summary>
public static class JoinDiscovery
{
    public static async Task<NodeStatus> AskAsync(IReadOnlyList<string> targets, RaftKv.Protocol.Tls.ClusterTls? tls, TimeSpan patience, CancellationToken cancellationToken)
    {
        var client = new RaftClient(new RaftClientOptions { Servers = targets, Timeout = patience, RequestTimeout = TimeSpan.FromSeconds(2), Tls = tls });
        await using (client.ConfigureAwait(false))
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(patience);
            var errors = new List<string>();
            var backoff = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                for (var i = 0; i < targets.Count; i++)
                {
                    try
                    {
                        var response = await client.StatusAsync(i, deadline.Token).ConfigureAwait(false);
                        if (response is { Status: ClientStatus.Ok, Node: { ClusterId: not null, BootstrapServers.Length: > 0 } node }) return node;
                        errors.Add($"{targets[i]}: answered without cluster details (an older raftnode?)");
                    }
                    catch (ClusterUnavailableException e)
                    {
                        errors.Add($"{targets[i]}: {e.Message}");
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }
                if (deadline.IsCancellationRequested)
                    throw new JoinFailedException(
                        $"cannot join: none of --join {string.Join(",", targets)} answered within {patience.TotalSeconds:0}s ({errors.LastOrDefault() ?? "no answer"})");
                try
                {
                    await Task.Delay(backoff, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // the loop reports it
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
