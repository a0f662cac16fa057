namespace RaftKv.Core.Tracking;

/// <summary>
/// Pending linearizable reads on the leader (thesis §6.4). Each read records the commit index when it
/// arrived and the heartbeat round started for it; it becomes safe once a majority has acknowledged
/// a heartbeat of that round or a later one, which proves no newer leader existed after it arrived.
/// Rounds are numbered by the queue itself, never by the caller's context: two reads with the same
/// context (or context 0, which heartbeats use for "no read") must not confirm each other, and an
/// acknowledgement of a heartbeat sent before a read arrived proves nothing about that read.
/// </summary>
public sealed class ReadIndexQueue
{
    private sealed record Pending(long Context, long Index, long Round, HashSet<int> Acks);

    private readonly List<Pending> _pending = [];

    /// <summary>Monotonic for the node's whole life, so a late reply to an old round never matches a new one.</summary>
    private long _lastRound;

    public int Count => _pending.Count;

    /// <summary>The newest heartbeat round, carried in heartbeats; 0 when no read is pending.</summary>
    public long LatestRound => _pending.Count == 0 ? 0 : _pending[^1].Round;

    /// <summary>Queues a read and returns the heartbeat round that must confirm it.</summary>
    public long Add(long context, long index, int selfId)
    {
        var round = ++_lastRound;
        _pending.Add(new(context, index, round, [selfId]));
        return round;
    }

    /// <summary>
    /// Records <paramref name="from"/>'s acknowledgement of heartbeat round <paramref name="round"/>, which
    /// also confirms every read queued before that round; returns the reads now safe, in arrival order.
    /// </summary>
    public IReadOnlyList<ReadState> Acknowledge(int from, long round, IReadOnlyList<int> voters)
    {
        var confirmed = 0;
        for (var i = 0; i < _pending.Count && _pending[i].Round <= round; i++)
        {
            var p = _pending[i];
            p.Acks.Add(from);
            // Earlier reads hold every acknowledgement later ones hold, so the safe reads form a prefix.
            if (voters.Count(v => p.Acks.Contains(v)) >= Quorum.Majority(voters.Count)) confirmed = i + 1;
        }
        if (confirmed == 0) return [];
        var released = _pending.Take(confirmed).Select(r => new ReadState(r.Index, r.Context)).ToList();
        _pending.RemoveRange(0, confirmed);
        return released;
    }

    /// <summary>Drops every pending read (leadership lost: they must be retried elsewhere).</summary>
    public void Clear() => _pending.Clear();
}
