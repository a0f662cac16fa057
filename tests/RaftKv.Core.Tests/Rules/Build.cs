using System.Text;

namespace RaftKv.Core.Tests.Rules;

/// <summary>Hand-builds nodes in a given state, so a test can start from a figure of the Raft paper.</summary>
public static class Build
{
    /// <summary>Options with small, readable numbers: heartbeat every tick, election timeout 10 ticks.</summary>
    public static RaftOptions Options(int id, int[] voters, Func<RaftOptions, RaftOptions>? tweak = null)
    {
        var options = new RaftOptions { Id = id, InitialConfig = ClusterConfig.OfVoters(voters), HeartbeatTicks = 1, ElectionTicks = 10 };
        return tweak is null ? options : tweak(options);
    }

    /// <summary>A log whose entry at index i+1 has term <paramref name="terms"/>[i] (as the paper draws logs).</summary>
    public static Entry[] Log(params long[] terms) =>
        terms.Select((term, i) => new Entry(i + 1, term, EntryType.Command, Encoding.UTF8.GetBytes($"i{i + 1}t{term}"))).ToArray();

    /// <summary>
    /// A node that has already persisted <paramref name="log"/> and the given hard state. The term
    /// defaults to the last entry's term.
    /// </summary>
    public static TestNode Node(
        int id,
        int[] voters,
        long[]? log = null,
        long? term = null,
        int vote = NodeIds.None,
        long commit = 0,
        Func<RaftOptions, RaftOptions>? options = null,
        int? seed = null)
    {
        log ??= [];
        var hardState = new HardState(term ?? (log.Length == 0 ? 0 : log[^1]), vote, commit);
        return new TestNode(Options(id, voters, options), new MemoryStorage(hardState, Log(log)), seed ?? id);
    }

    /// <summary>A fresh node of a new cluster.</summary>
    public static TestNode FreshNode(int id, int[] voters, Func<RaftOptions, RaftOptions>? options = null, int? seed = null) =>
        Node(id, voters, options: options, seed: seed);

    public static byte[] Command(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The ids 1..n.</summary>
    public static int[] Ids(int n) => Enumerable.Range(1, n).ToArray();
}
