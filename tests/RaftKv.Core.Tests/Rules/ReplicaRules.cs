using System.Text.Json;
using RaftKv.Protocol;
using RaftKv.Replica;
using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// The replica's own rules, one behaviour each, driven by hand: what it asks of storage and the network, and when
/// (the simulator checks the same type under faults; these say what each rule is).
/// </summary>
public sealed class ReplicaRules
{
    private sealed class Storage : IStorageQueue
    {
        public List<PersistRequest> Persists { get; } = [];
        public List<CompactRequest> Compactions { get; } = [];
        public void Persist(PersistRequest request) => Persists.Add(request);
        public void Compact(CompactRequest request) => Compactions.Add(request);
    }

    private sealed class Outbox : IPeerOutbox
    {
        public List<Message> Sent { get; } = [];
        public void Send(Message message) => Sent.Add(message);
    }

    private sealed class Call(ClientRequest request) : IClientCall
    {
        public ClientRequest Request { get; } = request;
        public bool GaveUp { get; set; }
        public ClientResponse? Answer { get; private set; }
        public void Complete(ClientResponse response) => Answer = response;
    }

    private readonly Storage _storage = new();
    private readonly Outbox _outbox = new();

    /// <summary>Node 0, the only voter, with node 1 as a learner: it leads alone, and its traffic to node 1 is visible.</summary>
    private Replica.Replica SoleVoter(long snapshotEntries = 1_000_000) => new(new ReplicaOptions
    {
        Raft = new RaftOptions { Id = 0, InitialConfig = new ClusterConfig([0], [1]), HeartbeatTicks = 1, ElectionTicks = 5 },
        Servers = ["a:1", "b:1"],
        SnapshotEntries = snapshotEntries,
        CompactionRetryTicks = 3,
    }, PersistentState.Empty, new Random(1), _storage, _outbox);

    /// <summary>Elected, with its new term durable and its no-op committed.</summary>
    private Replica.Replica Leader(long snapshotEntries = 1_000_000)
    {
        var replica = SoleVoter(snapshotEntries);
        replica.Campaign();
        replica.Flush();
        CompleteWrites(replica);
        replica.Core.Role.Should().Be(Role.Leader);
        return replica;
    }

    private void CompleteWrites(Replica.Replica replica)
    {
        while (_storage.Persists.Count > 0)
        {
            var request = _storage.Persists[0];
            _storage.Persists.RemoveAt(0);
            replica.OnPersisted(request.Id);
            replica.Flush();
        }
    }

    private static Call Set(string key, long seq = 1) => new(new ClientRequest
    {
        Id = seq, Op = ClientOp.Set, Key = key, Value = JsonSerializer.SerializeToElement(seq),
    });

    [Fact]
    public void Write_is_answered_only_once_its_entry_is_durable_and_applied()
    {
        var replica = Leader();
        var call = Set("x");
        replica.Submit(call);
        replica.Flush();
        call.Answer.Should().BeNull("its entry is not yet durable on any majority");

        CompleteWrites(replica);

        call.Answer!.Status.Should().Be(ClientStatus.Ok);
        replica.StateMachine.TryGet("x", out _).Should().BeTrue();
    }

    [Fact]
    public void Retry_of_a_write_still_in_flight_waits_for_its_entry_instead_of_appending_another()
    {
        // Simulator seed 70558952: on a slow cluster every retry appended a copy, and the backlog outgrew the cluster.
        var replica = Leader();
        var register = new Call(new ClientRequest { Id = 100, Op = ClientOp.Register });
        replica.Submit(register);
        replica.Flush();
        CompleteWrites(replica);
        var session = register.Answer!.Session!.Value;
        var write = new ClientRequest { Id = 101, Op = ClientOp.Set, Key = "x", Value = JsonSerializer.SerializeToElement(1), Session = session, Seq = 1 };
        var first = new Call(write);
        replica.Submit(first);
        replica.Flush();
        var last = replica.Core.LastIndex;

        var retry = new Call(write with { Id = 102 });
        replica.Submit(retry);
        replica.Flush();

        replica.Core.LastIndex.Should().Be(last, "the retry joins the entry already in the log");
        first.Answer!.Status.Should().Be(ClientStatus.Unavailable, "the earlier attempt is told to retry; its write may still commit");
        var other = new Call(write with { Id = 103, Value = JsonSerializer.SerializeToElement(2) });
        replica.Submit(other);
        replica.Flush();
        replica.Core.LastIndex.Should().Be(last + 1, "a different command under the same seq is not the same write: the session table judges it");

        CompleteWrites(replica);
        retry.Answer!.Status.Should().Be(ClientStatus.Ok);
        retry.Answer.Index.Should().Be(last);
        other.Answer!.Status.Should().Be(ClientStatus.Ok, "a copy of an applied seq is answered from the session, not applied");
        replica.StateMachine.TryGet("x", out var value).Should().BeTrue();
        value.GetInt32().Should().Be(1, "the copy under the same seq was not applied");
    }

    [Fact]
    public void Write_whose_waiter_gave_up_is_dropped_before_it_is_proposed()
    {
        var replica = Leader();
        var last = replica.Core.LastIndex;
        var call = Set("x");
        call.GaveUp = true; // the host's request timeout already answered the client

        replica.Submit(call);
        replica.Flush();

        replica.Core.LastIndex.Should().Be(last, "a request nobody waits for must never be applied arbitrarily late");
        call.Answer.Should().BeNull();
    }

    [Fact]
    public void Leader_keeps_heartbeating_while_its_write_is_still_being_made_durable()
    {
        var replica = Leader();
        replica.Submit(Set("x"));
        replica.Flush();
        _storage.Persists.Should().NotBeEmpty("the write is with the storage writer");
        _outbox.Sent.Clear();

        replica.Tick();
        replica.Flush();

        _outbox.Sent.Should().Contain(m => m.Type == MessageType.Heartbeat && m.To == 1, "a slow disk must not silence the leader");
        replica.PersistRequestsInFlight.Should().BePositive();
    }

    [Fact]
    public void New_leader_sends_nothing_until_its_term_is_durable()
    {
        var replica = SoleVoter();
        replica.Campaign();
        replica.Flush();

        replica.Core.Role.Should().Be(Role.Candidate, "a sole voter leads only once its vote is on disk");
        _outbox.Sent.Should().BeEmpty("its term is not yet on disk");
        replica.Tick();
        replica.Flush();
        _outbox.Sent.Should().BeEmpty("nor after a tick while the write is under way");

        CompleteWrites(replica);

        replica.Core.Role.Should().Be(Role.Leader);
        _outbox.Sent.Should().Contain(m => m.To == 1 && m.Term == replica.Core.Term);
    }

    [Fact]
    public void Full_disk_refuses_writes_with_a_clear_error_and_writes_resume_when_space_returns()
    {
        var replica = Leader();
        replica.OnDiskFull(true);
        var refused = Set("x");
        replica.Submit(refused);
        replica.Flush();
        refused.Answer!.Status.Should().Be(ClientStatus.Unavailable);
        refused.Answer.Error.Should().Contain("disk full");
        replica.View.DiskFull.Should().BeTrue();

        replica.OnDiskFull(false);
        var accepted = Set("x", seq: 2);
        replica.Submit(accepted);
        replica.Flush();
        CompleteWrites(replica);

        accepted.Answer!.Status.Should().Be(ClientStatus.Ok);
        replica.View.DiskFull.Should().BeFalse();
    }

    [Fact]
    public void Snapshot_that_could_not_be_stored_is_tried_again_later()
    {
        var replica = Leader(snapshotEntries: 2);
        for (var seq = 1; seq <= 3; seq++)
        {
            replica.Submit(Set($"k{seq}", seq));
            replica.Flush();
            CompleteWrites(replica);
        }
        var first = _storage.Compactions.Should().ContainSingle().Subject;

        replica.OnCompacted(first.Id, stored: null);
        replica.Flush();
        _storage.Compactions.Should().ContainSingle("it waits before trying again");
        for (var i = 0; i < 3; i++)
        {
            replica.Tick();
            replica.Flush();
            CompleteWrites(replica);
        }

        _storage.Compactions.Should().HaveCount(2);
        _storage.Compactions[1].Metadata.Index.Should().BeGreaterThanOrEqualTo(first.Metadata.Index);
    }

    [Fact]
    public void Snapshot_holds_the_state_at_its_capture_and_the_log_is_compacted_only_once_it_is_durable()
    {
        var replica = Leader(snapshotEntries: 3);
        for (var seq = 1; seq <= 3; seq++)
        {
            replica.Submit(Set($"k{seq}", seq));
            replica.Flush();
            CompleteWrites(replica);
        }
        var request = _storage.Compactions.Should().ContainSingle().Subject;
        var capturedAt = request.Metadata.Index;
        capturedAt.Should().BeLessThanOrEqualTo(replica.StateMachine.AppliedIndex);

        // The loop goes on applying while the writer serialises: a later write and an overwrite of k1.
        replica.Submit(Set("later", 4));
        replica.Submit(Set("k1", 5));
        replica.Flush();
        CompleteWrites(replica);
        replica.StateMachine.AppliedIndex.Should().BeGreaterThan(capturedAt);
        replica.Core.FirstIndex.Should().Be(1, "nothing is compacted before the snapshot is durable");

        var snapshot = request.TakeSnapshot();
        var restored = new RaftKv.StateMachine.KvStateMachine();
        restored.Restore(SnapshotBytes.ReadAll(snapshot.Data));
        restored.AppliedIndex.Should().Be(capturedAt);
        restored.TryGet("later", out _).Should().BeFalse("the view is frozen at its capture");
        restored.TryGet("k1", out var k1).Should().BeTrue();
        k1.GetInt64().Should().Be(1, "an overwrite after the capture is not in the snapshot");

        replica.OnCompacted(request.Id, snapshot);
        replica.Core.FirstIndex.Should().Be(capturedAt + 1, "the durable snapshot now replaces the log it covers");
        replica.Core.LatestSnapshot.Should().BeSameAs(snapshot);
    }

    [Fact]
    public void Snapshot_is_also_taken_once_the_applied_commands_hold_the_configured_bytes()
    {
        var replica = new Replica.Replica(new ReplicaOptions
        {
            Raft = new RaftOptions { Id = 0, InitialConfig = new ClusterConfig([0], [1]), HeartbeatTicks = 1, ElectionTicks = 5 },
            Servers = ["a:1", "b:1"],
            SnapshotEntries = 1_000_000,
            SnapshotLogBytes = 200,
        }, PersistentState.Empty, new Random(1), _storage, _outbox);
        replica.Campaign();
        replica.Flush();
        CompleteWrites(replica);
        var big = new Call(new ClientRequest { Id = 1, Op = ClientOp.Set, Key = "big", Value = JsonSerializer.SerializeToElement(new string('x', 300)) });

        replica.Submit(big);
        replica.Flush();
        CompleteWrites(replica);

        big.Answer!.Status.Should().Be(ClientStatus.Ok);
        _storage.Compactions.Should().ContainSingle("300 bytes of commands passed the 200-byte trigger long before a million entries")
            .Which.Metadata.Index.Should().Be(replica.StateMachine.AppliedIndex);
    }

    [Fact]
    public void Status_is_answered_by_any_replica_at_once()
    {
        var replica = SoleVoter();
        var call = new Call(new ClientRequest { Id = 7, Op = ClientOp.Status });
        replica.Submit(call);
        call.Answer!.Node!.Id.Should().Be(0);
        call.Answer.Node.Address.Should().Be("a:1");
    }
}
