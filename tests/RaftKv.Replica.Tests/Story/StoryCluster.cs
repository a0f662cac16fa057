using RaftKv.Core;
using RaftKv.Replica.Io;

namespace RaftKv.Replica.Tests.Story;

/// <summary>
/// Three (or more) replicas of the shipped type on a hand-driven network: every write is made durable at once,
/// every message is delivered unless its sender or receiver is cut off. Each replica logs into its own
/// <see cref="CapturingLogger"/>, so a test reads the story each node would print.
/// </summary>
public sealed class StoryCluster
{
    private sealed class Storage : IStorageQueue
    {
        public Queue<PersistRequest> Pending { get; } = new();
        public void Persist(PersistRequest request) => Pending.Enqueue(request);
        public void Compact(CompactRequest request) { }
    }

    private sealed class Outbox : IPeerOutbox
    {
        public Queue<Message> Sent { get; } = new();
        public void Send(Message message) => Sent.Enqueue(message);
    }

    private readonly Replica[] _replicas;
    private readonly Storage[] _storage;
    private readonly Outbox[] _outboxes;
    private readonly HashSet<int> _cut = [];

    /// <param name="preVote">RaftOptions.PreVote.</param>
    /// <param name="checkQuorum">RaftOptions.CheckQuorum (and with it the leader lease that makes followers ignore vote requests).</param>
    public StoryCluster(int size, int seed = 1, bool preVote = true, bool checkQuorum = true)
    {
        var voters = Enumerable.Range(0, size).ToArray();
        var servers = voters.Select(i => $"127.0.0.1:{7000 + i}").ToArray();
        Logs = voters.Select(_ => new CapturingLogger()).ToArray();
        _storage = voters.Select(_ => new Storage()).ToArray();
        _outboxes = voters.Select(_ => new Outbox()).ToArray();
        _replicas = voters.Select(i => new Replica(new ReplicaOptions
        {
            Raft = new RaftOptions { Id = i, InitialConfig = new ClusterConfig(voters, []), HeartbeatTicks = 1, ElectionTicks = 10, PreVote = preVote, CheckQuorum = checkQuorum },
            Servers = servers,
        }, PersistentState.Empty, new Random(seed + i), _storage[i], _outboxes[i], Logs[i])).ToArray();
    }

    public IReadOnlyList<CapturingLogger> Logs { get; }

    public Replica this[int id] => _replicas[id];

    public int? Leader => _replicas.Where(r => r.Core.Role == Role.Leader).OrderByDescending(r => r.Core.Term).Select(r => (int?)r.Id).FirstOrDefault();

    /// <summary>Cuts <paramref name="id"/> off: nothing it sends arrives, nothing sent to it arrives.</summary>
    public void Isolate(int id) => _cut.Add(id);

    public void Heal() => _cut.Clear();

    public void Campaign(int id)
    {
        _replicas[id].Campaign();
        _replicas[id].Flush();
    }

    /// <summary>Makes every pending write durable and delivers every message until nothing moves.</summary>
    public void Settle()
    {
        for (var moved = true; moved;)
        {
            moved = false;
            for (var i = 0; i < _replicas.Length; i++)
            {
                while (_storage[i].Pending.TryDequeue(out var write))
                {
                    _replicas[i].OnPersisted(write.Id);
                    _replicas[i].Flush();
                    moved = true;
                }
                while (_outboxes[i].Sent.TryDequeue(out var message))
                {
                    moved = true;
                    if (_cut.Contains(message.From) || _cut.Contains(message.To)) continue;
                    _replicas[message.To].Step(message);
                    _replicas[message.To].Flush();
                }
            }
        }
    }

    /// <summary>One tick on the chosen nodes (all when none are named), then <see cref="Settle"/>.</summary>
    public void Tick(params int[] only)
    {
        foreach (var r in only.Length == 0 ? _replicas : only.Select(i => _replicas[i]))
        {
            r.Tick();
            r.Flush();
        }
        Settle();
    }

    /// <summary>Ticks (all nodes, or the chosen ones) until <paramref name="condition"/> holds; fails after <paramref name="limit"/> ticks.</summary>
    public void TickUntil(Func<bool> condition, string what, int limit = 1000, params int[] only)
    {
        for (var i = 0; i < limit; i++)
        {
            if (condition()) return;
            Tick(only);
        }
        condition().Should().BeTrue($"{what} within {limit} ticks");
    }

    /// <summary>Elects <paramref name="id"/> and lets it commit its no-op everywhere.</summary>
    public void Elect(int id)
    {
        Campaign(id);
        Settle();
        _replicas[id].Core.Role.Should().Be(Role.Leader);
        Tick();
    }
}
