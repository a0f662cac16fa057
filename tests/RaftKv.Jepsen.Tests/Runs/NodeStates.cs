using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>Reads each node's own state machine (a stale get of every key, answered by that node alone).</summary>
public static class NodeStates
{
    /// <summary>
    /// Every key and its value's JSON text on the node at <paramref name="address"/>. A client that knows only
    /// that one address can ask nobody else, and a stale read is answered by whichever node receives it.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> ReadAsync(string address, CancellationToken cancellationToken)
    {
        await using var client = new RaftClient(new RaftClientOptions
        {
            Servers = [address],
            Timeout = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        var response = await client.GetAllAsync(stale: true, cancellationToken).ConfigureAwait(false);
        if (response.Status != ClientStatus.Ok)
            throw new InvalidOperationException($"stale get of every key on {address} answered {response.Status}: {response.Error}");
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in response.Values ?? []) state[key] = value.GetRawText();
        return state;
    }

    /// <summary>"k0=… k1=…", for messages.</summary>
    public static string Describe(IReadOnlyDictionary<string, string> state) =>
        state.Count == 0 ? "(empty)" : string.Join(" ", state.Select(kv => $"{kv.Key}={kv.Value}"));
}
