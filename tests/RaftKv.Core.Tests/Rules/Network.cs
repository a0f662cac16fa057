namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// Several Raft cores wired together by a lossless, in-order, in-memory network that a test can
/// partition, cut, filter or hold. Each node's Ready is handled completely (persist, send, apply,
/// advance) right after the input that produced it. Nothing happens unless the test says so: time
/// moves only by <see cref="TickAll"/>, messages move only by <see cref="Stabilize"/> or <see cref="Deliver"/>.
/// </summary>
public sealed class Network
{
    private readonly SortedDictionary<int, TestNode> _nodes = [];
    private readonly List<Message> _queue = [];
    private readonly HashSet<int> _isolated = [];
    private readonly HashSet<(int, int)> _cut = [];
    private readonly HashSet<int> _down = [];

    public Network(params TestNode[] nodes)
    {
        foreach (var node in nodes) _nodes.Add(node.Id, node);
    }

    /// <summary>A new cluster of <paramref name="size"/> voters with ids 1..size.</summary>
    public static Network OfSize(int size, Func<RaftOptions, RaftOptions>? options = null)
    {
        var ids = Build.Ids(size);
        return new Network(ids.Select(id => Build.FreshNode(id, ids, options)).ToArray());
    }

    public TestNode this[int id] => _nodes[id];
    public IEnumerable<TestNode> Nodes => _nodes.Values;

    /// <summary>Messages sent but not yet delivered (or dropped).</summary>
    public IReadOnlyList<Message> InFlight => _queue;

    /// <summary>Every message any node sent, in order.</summary>
    public List<Message> Sent { get; } = [];

    /// <summary>Every message that reached its target, in order.</summary>
    public List<Message> Delivered { get; } = [];

    /// <summary>Messages matching this are lost in transit.</summary>
    public Func<Message, bool>? DropIf { get; set; }

    /// <summary>Messages matching this are delivered twice.</summary>
    public Func<Message, bool>? DuplicateIf { get; set; }

    /// <summary>When set, each batch of messages in flight is delivered in an order drawn from this generator.</summary>
    public Random? Reorder { get; set; }

    // ------------------------------------------------------------------ faults

    /// <summary>Cuts every link to and from <paramref name="id"/>.</summary>
    public void Isolate(int id) => _isolated.Add(id);

    /// <summary>Cuts the link between <paramref name="a"/> and <paramref name="b"/>, both ways.</summary>
    public void Cut(int a, int b)
    {
        _cut.Add((a, b));
        _cut.Add((b, a));
    }

    /// <summary>Restores every link and stops dropping, duplicating and reordering messages.</summary>
    public void Heal()
    {
        _isolated.Clear();
        _cut.Clear();
        DropIf = null;
        DuplicateIf = null;
        Reorder = null;
    }

    /// <summary>Stops a node: it gets no ticks and no messages until <see cref="Restart"/>.</summary>
    public void Crash(int id) => _down.Add(id);

    /// <summary>Rebuilds a crashed node from what it had persisted.</summary>
    public void Restart(int id)
    {
        _down.Remove(id);
        _nodes[id].Restart();
    }

    public bool IsUp(int id) => !_down.Contains(id);

    private bool Reaches(Message m) =>
        _nodes.ContainsKey(m.To) && IsUp(m.To) && IsUp(m.From) &&
        !_isolated.Contains(m.From) && !_isolated.Contains(m.To) && !_cut.Contains((m.From, m.To)) &&
        DropIf?.Invoke(m) != true;

    // ------------------------------------------------------------------ moving things

    /// <summary>Handles the node's pending Ready (if any) and queues the messages it sends. Returns them.</summary>
    public IReadOnlyList<Message> ProcessReady(int id)
    {
        var node = _nodes[id];
        var sent = new List<Message>();
        while (node.Raft.HasReady) sent.AddRange(node.HandleReady());
        Enqueue(sent);
        return sent;
    }

    public void Enqueue(IEnumerable<Message> messages)
    {
        foreach (var m in messages)
        {
            Sent.Add(m);
            _queue.Add(m);
        }
    }

    /// <summary>Delivers every queued message (and what they cause) until nothing is left to deliver.</summary>
    public void Stabilize()
    {
        for (var round = 0; round < 100_000; round++)
        {
            foreach (var node in Nodes)
                if (IsUp(node.Id)) ProcessReady(node.Id);
            if (_queue.Count == 0) return;
            var batch = _queue.ToArray();
            _queue.Clear();
            Reorder?.Shuffle(batch);
            foreach (var m in batch)
            {
                DeliverOne(m);
                if (DuplicateIf?.Invoke(m) == true) DeliverOne(m);
            }
        }
        throw new InvalidOperationException("the network did not quiesce: messages keep flowing without ticks");
    }

    /// <summary>
    /// Delivers, in order, the queued messages that match <paramref name="which"/> (and only those that
    /// were queued when called), handling each target's Ready right away. Others stay queued. Returns
    /// how many were delivered or dropped.
    /// </summary>
    public int Deliver(Func<Message, bool> which)
    {
        var chosen = _queue.Where(which).ToArray();
        foreach (var m in chosen)
        {
            _queue.Remove(m);
            DeliverOne(m);
        }
        return chosen.Length;
    }

    /// <summary>Throws away queued messages matching <paramref name="which"/>.</summary>
    public int Discard(Func<Message, bool> which) => _queue.RemoveAll(m => which(m));

    private void DeliverOne(Message m)
    {
        if (!Reaches(m)) return;
        Delivered.Add(m);
        _nodes[m.To].Raft.Step(m);
        ProcessReady(m.To);
    }

    /// <summary>Advances every running node's clock by <paramref name="ticks"/>, letting the network settle after each tick.</summary>
    public void TickAll(int ticks = 1)
    {
        for (var i = 0; i < ticks; i++)
        {
            foreach (var node in Nodes)
                if (IsUp(node.Id)) node.Raft.Tick();
            Stabilize();
        }
    }

    /// <summary>Ticks until <paramref name="condition"/> holds; returns the ticks it took. Fails after <paramref name="maxTicks"/>.</summary>
    public int TickUntil(Func<bool> condition, int maxTicks = 200)
    {
        for (var ticks = 0; ticks <= maxTicks; ticks++)
        {
            if (condition()) return ticks;
            TickAll();
        }
        throw new InvalidOperationException($"condition not reached within {maxTicks} ticks; {Describe()}");
    }

    // ------------------------------------------------------------------ conveniences

    /// <summary>Makes <paramref name="id"/> campaign now and lets the election and its no-op settle (including the commit reaching followers).</summary>
    public TestNode Elect(int id)
    {
        _nodes[id].Raft.Campaign();
        Stabilize();
        if (_nodes[id].Raft.Role != Role.Leader)
            throw new InvalidOperationException($"node {id} did not win: {Describe()}");
        TickAll(); // one heartbeat carries the commit index to followers
        return _nodes[id];
    }

    /// <summary>The leaders among running nodes, newest term first.</summary>
    public IReadOnlyList<TestNode> Leaders =>
        Nodes.Where(n => IsUp(n.Id) && n.Raft.Role == Role.Leader).OrderByDescending(n => n.Raft.Term).ToArray();

    /// <summary>The leader of the newest term among nodes that are not isolated.</summary>
    public TestNode Leader =>
        Leaders.FirstOrDefault(n => !_isolated.Contains(n.Id)) ?? throw new InvalidOperationException($"no leader: {Describe()}");

    public bool HasLeader => Leaders.Any(n => !_isolated.Contains(n.Id));

    /// <summary>Proposes a command at <paramref name="id"/>, which must accept it; returns its index.</summary>
    public long Propose(int id, string command)
    {
        var result = _nodes[id].Raft.Propose(Build.Command(command), out var index);
        if (result != ProposeResult.Accepted) throw new InvalidOperationException($"node {id} refused '{command}': {result}");
        return index;
    }

    public string Describe() => string.Join("; ", Nodes.Select(n => (IsUp(n.Id) ? "" : "DOWN ") + n));
}
