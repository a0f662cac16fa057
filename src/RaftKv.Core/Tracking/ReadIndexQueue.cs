namespace RaftKv.Core.Tracking;

/// <summary>
/// Pending linearizable reads on the leader (thesis §6.4). Each read records the commit index when it
/// arrived; it becomes safe once a majority has acknowledged a heartbeat sent after it arrived, which
/// proves no newer leader existed at that moment. An acknowledgement of a later round also confirms
/// every earlier one.
/// </summary>
public sealed class ReadIndexQueue
{
    private sealed record Pending(long Context, long Index, HashSet<int> Acks);

    private readonly List<Pending> _pending = [];

    public int Count => _pending.Count;

    /// <summary>The newest read round, carried in heartbeats; 0 when none is pending.</summary>
    public long LatestContext => _pending.Count == 0 ? 0 : _pending[^1].Context;

    public void Add(long context, long index, int selfId) => _pending.Add(new(context, index, [selfId]));

    /// <summary>Records <paramref name="from"/>'s acknowledgement of round <paramref name="context"/>; returns the reads now safe.</summary>
    public IReadOnlyList<ReadState> Acknowledge(int from, long context, IReadOnlyList<int> voters)
    {
        var at = _pending.FindIndex(p => p.Context == context);
        if (at < 0) return [];
        var p = _pending[at];
        p.Acks.Add(from);
        var acks = voters.Count(v => p.Acks.Contains(v));
        if (acks < Quorum.Majority(voters.Count)) return [];
        var released = _pending.Take(at + 1).Select(r => new ReadState(r.Index, r.Context)).ToList();
        _pending.RemoveRange(0, at + 1);
        return released;
    }

    /// <summary>Drops every pending read (leadership lost: they must be retried elsewhere).</summary>
    public void Clear() => _pending.Clear();
}
