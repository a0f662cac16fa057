namespace RaftKv.Core.Tests.Simulation;

// The virtual network between replicas: drops, duplicates, delays (so reorders), long delays (stale messages),
// and blocked links (partitions). Client traffic travels with the same delays but is never partitioned.
public sealed partial class ClusterSimulation
{
    /// <summary>Blocked directed links, counted: overlapping partitions each hold their own block.</summary>
    private readonly Dictionary<(int From, int To), int> _blocked = [];

    private double _dropRate;
    private double _duplicateRate;
    private double _longDelayRate;
    private long _delivered;
    private long _lost;

    private bool IsBlocked(int from, int to) => _blocked.Count > 0 && _blocked.ContainsKey((from, to));

    private long NetworkDelay() => 1 + _rng.Next(_s.MaxMessageDelay);

    private void Send(SimNode sender, Message m)
    {
        if (m.Type == MessageType.Snapshot)
        {
            // InstallSnapshot travels as a stream of chunks on a connection of its own (ClusterSimulation.Snapshots.cs).
            OfferSnapshot(sender, m);
            return;
        }
        var unreachable = IsBlocked(m.From, m.To) || m.To >= _nodes.Count || !_nodes[m.To].IsUp;
        if (unreachable && _rng.Next(2) == 0)
        {
            // What a real transport does when a connection fails: tell the replica (through the host's loop,
            // so between flushes), which stops streaming to that peer and probes instead.
            var incarnation = sender.Incarnation;
            Schedule(1, new SimEvent(SimEventKind.Action, Label: $"node {sender.Id}: {m.To} unreachable", Action: () =>
            {
                if (sender.Incarnation != incarnation || !sender.IsUp || sender.PausedUntil > _now) return;
                Input(sender, null, r => r.ReportUnreachable(m.To));
            }));
        }
        if (IsBlocked(m.From, m.To) || _rng.NextDouble() < _dropRate)
        {
            _lost++;
            Trace("dropped", m);
            return;
        }
        var copies = _rng.NextDouble() < _duplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var delay = NetworkDelay();
            // A message held back this long arrives after elections, restarts and compactions: stale.
            if (_rng.NextDouble() < _longDelayRate) delay += _rng.Next(5, 60) * _s.TickInterval;
            Schedule(delay, new SimEvent(SimEventKind.Deliver, Message: m));
        }
    }

    private void Deliver(Message m)
    {
        var node = m.To < _nodes.Count ? _nodes[m.To] : null;
        if (node is not { IsUp: true })
        {
            _lost++;
            Trace("lost (node down)", m);
            return;
        }
        if (IsBlocked(m.From, m.To))
        {
            _lost++;
            Trace("lost (partition)", m);
            return;
        }
        _delivered++;
        Trace("deliver", m);
        Input(node, null, r => r.Step(m));
    }

    private void Block(IEnumerable<(int From, int To)> links)
    {
        foreach (var link in links) _blocked[link] = _blocked.GetValueOrDefault(link) + 1;
    }

    private void Unblock(IEnumerable<(int From, int To)> links)
    {
        foreach (var link in links)
        {
            if (!_blocked.TryGetValue(link, out var n)) continue;
            if (n <= 1) _blocked.Remove(link);
            else _blocked[link] = n - 1;
        }
    }

    private List<(int From, int To)> RandomSplit()
    {
        var ids = _nodes.Select(n => n.Id).OrderBy(_ => _rng.Next()).ToList();
        var cut = _rng.Next(1, ids.Count);
        var a = ids.Take(cut).ToList();
        var b = ids.Skip(cut).ToList();
        return [.. from x in a from y in b select (x, y)];
    }

    private List<(int From, int To)> RandomOneWayLinks()
    {
        var links = new List<(int, int)>();
        var count = _rng.Next(1, _nodes.Count + 1);
        for (var i = 0; i < count; i++)
        {
            var from = _rng.Next(_nodes.Count);
            var to = _rng.Next(_nodes.Count);
            if (from != to) links.Add((from, to));
        }
        return links;
    }
}
