using System.Text.Json;
using RaftKv.Protocol;
using RaftKv.Replica;
using RaftKv.Replica.Io;
using RaftKv.StateMachine;

namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// raftctl snapshot save is a linearizable read of the whole state (issue 9; docs/PROTOCOL.md "snapshot"): the leader
/// chooses the state to back up only after a ReadIndex round confirms it still leads, so a leader cut off from its
/// majority never hands out a backup missing writes the new leader acknowledged. Three replicas driven by hand.
/// </summary>
public sealed class BackupRules
{
    private sealed class Node : IStorageQueue, IPeerOutbox
    {
        public required Replica.Replica Replica { get; set; }
        public Queue<PersistRequest> Persists { get; } = [];
        public List<Message> Sent { get; } = [];
        public void Persist(PersistRequest request) => Persists.Enqueue(request);
        public void Compact(CompactRequest request) { }
        public void Send(Message message) => Sent.Add(message);
    }

    private sealed class Call(ClientRequest request) : IClientCall
    {
        public ClientRequest Request { get; } = request;
        public bool GaveUp => false;
        public ClientResponse? Answer { get; private set; }
        public void Complete(ClientResponse response) => Answer = response;
    }

    private sealed class Backup : IBackupCall
    {
        public bool Answered { get; private set; }
        public (SnapshotMetadata Metadata, KvSnapshotView View)? Capture { get; private set; }

        public void Complete((SnapshotMetadata Metadata, KvSnapshotView View)? capture)
        {
            Answered.Should().BeFalse("a backup is answered once");
            Answered = true;
            Capture = capture;
        }
    }

    private readonly Node[] _nodes;
    private readonly HashSet<int> _isolated = [];

    public BackupRules()
    {
        _nodes = new Node[3];
        for (var id = 0; id < 3; id++)
        {
            var node = new Node { Replica = null! };
            node.Replica = new Replica.Replica(new ReplicaOptions
            {
                Raft = new RaftOptions { Id = id, InitialConfig = ClusterConfig.OfVoters(0, 1, 2), HeartbeatTicks = 1, ElectionTicks = 10 },
                Servers = ["a:1", "b:1", "c:1"],
            }, PersistentState.Empty, new Random(id + 1), node, node);
            _nodes[id] = node;
        }
    }

    /// <summary>Makes every requested write durable and delivers every message (but to or from an isolated node), until quiet.</summary>
    private void Settle()
    {
        for (var round = 0; round < 1_000; round++)
        {
            var busy = false;
            foreach (var node in _nodes)
            {
                node.Replica.Flush();
                while (node.Persists.TryDequeue(out var request))
                {
                    node.Replica.OnPersisted(request.Id);
                    node.Replica.Flush();
                    busy = true;
                }
            }
            foreach (var node in _nodes)
            {
                var sent = node.Sent.ToArray();
                node.Sent.Clear();
                foreach (var m in sent)
                {
                    busy = true;
                    if (_isolated.Contains(m.From) || _isolated.Contains(m.To)) continue;
                    _nodes[m.To].Replica.Step(m);
                }
            }
            if (!busy) return;
        }
        throw new InvalidOperationException("the cluster did not settle");
    }

    private void Tick(IEnumerable<int> ids, int ticks)
    {
        for (var i = 0; i < ticks; i++)
        {
            foreach (var id in ids) _nodes[id].Replica.Tick();
            Settle();
        }
    }

    private Replica.Replica ElectLeader(int id)
    {
        _nodes[id].Replica.Campaign();
        Settle();
        _nodes[id].Replica.Core.Role.Should().Be(Role.Leader);
        return _nodes[id].Replica;
    }

    private static Call Set(string key, long value) => new(new ClientRequest
    {
        Id = value, Op = ClientOp.Set, Key = key, Value = JsonSerializer.SerializeToElement(value),
    });

    [Fact]
    public void Backup_state_is_chosen_only_after_a_majority_confirms_the_leader_and_holds_every_acknowledged_write()
    {
        var leader = ElectLeader(0);
        var write = Set("a", 1);
        leader.Submit(write);
        Settle();
        write.Answer!.Status.Should().Be(ClientStatus.Ok);

        var backup = new Backup();
        _isolated.Add(1);
        _isolated.Add(2);
        leader.RequestBackup(backup);
        leader.Flush();
        Settle();
        backup.Answered.Should().BeFalse("no follower has confirmed the leadership yet: the state is not chosen");

        _isolated.Clear();
        Tick([0], 1); // the next heartbeat carries the ReadIndex round; a majority answers it

        backup.Capture.Should().NotBeNull();
        var (metadata, view) = backup.Capture!.Value;
        metadata.Index.Should().BeGreaterThanOrEqualTo(write.Answer.Index!.Value);
        var restored = new KvStateMachine();
        using var bytes = new MemoryStream();
        view.WriteTo(bytes);
        restored.Restore(bytes.ToArray());
        restored.TryGet("a", out var a).Should().BeTrue("the acknowledged write is in the backup");
        a.GetInt64().Should().Be(1);
    }

    [Fact]
    public void A_leader_cut_off_from_its_majority_never_hands_out_a_backup_missing_the_new_leader_s_writes()
    {
        var old = ElectLeader(0);
        _isolated.Add(0);
        var backup = new Backup();
        old.RequestBackup(backup);
        old.Flush();

        // The majority elects a new leader, which acknowledges a write the old one never sees.
        Tick([1, 2], 25);
        var successor = new[] { 1, 2 }.Select(id => _nodes[id].Replica).Single(r => r.Core.Role == Role.Leader);
        var write = Set("b", 2);
        successor.Submit(write);
        Settle();
        write.Answer!.Status.Should().Be(ClientStatus.Ok);
        backup.Answered.Should().BeFalse("the old leader cannot confirm its leadership");

        // The old leader steps down (CheckQuorum) and says it cannot serve the backup.
        Tick([0], 25);
        old.Core.Role.Should().NotBe(Role.Leader);
        backup.Answered.Should().BeTrue();
        backup.Capture.Should().BeNull("a deposed leader answers 'not the leader', never with its stale state");
    }
}
