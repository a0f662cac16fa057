namespace RaftKv.StateMachine.Tests;

public sealed class LeaseTests
{
    [Fact]
    public void A_lease_is_named_by_the_revision_that_granted_it()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(3, DataCommands.Grant(10));

        result.LeaseId.Should().Be(3);
        machine.TryGetLease(3, out var lease).Should().BeTrue();
        lease!.TtlSeconds.Should().Be(10);
    }

    [Fact]
    public void Revoking_a_lease_deletes_its_keys_and_only_them()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, DataCommands.Grant(10));
        machine.Apply(2, DataCommands.SetWithLease("a", "1", 1));
        machine.Apply(3, DataCommands.SetWithLease("b", "1", 1));
        machine.Apply(4, Commands.Set("c", "1"));

        var result = machine.Apply(5, DataCommands.Revoke(1));

        result.Deleted.Should().Be(2);
        machine.All.Keys.Should().Equal("c");
        machine.LeaseCount.Should().Be(0);
    }

    [Fact]
    public void Setting_a_key_with_a_missing_lease_is_rejected_and_changes_nothing()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));

        var result = machine.Apply(2, DataCommands.SetWithLease("a", "2", 99));

        result.Kind.Should().Be(KvResultKind.Rejected);
        result.Error.Should().Contain("lease 99 not found");
        machine.Get("a").Should().Be("1");
        machine.History.Count.Should().Be(1);
    }

    [Fact]
    public void Overwriting_a_key_without_its_lease_detaches_it()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, DataCommands.Grant(10));
        machine.Apply(2, DataCommands.SetWithLease("a", "1", 1));
        machine.Apply(3, Commands.Set("a", "2"));

        machine.Apply(4, DataCommands.Revoke(1));

        machine.Get("a").Should().Be("2");
    }

    [Fact]
    public void Revoking_a_missing_lease_is_rejected()
    {
        var machine = new KvStateMachine();

        machine.Apply(1, DataCommands.Revoke(7)).Kind.Should().Be(KvResultKind.Rejected);
    }

    [Fact]
    public void A_snapshot_keeps_leases_and_their_keys()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, DataCommands.Grant(30));
        machine.Apply(2, DataCommands.SetWithLease("a", "1", 1));
        var restored = new KvStateMachine();

        restored.Restore(machine.TakeSnapshot());

        restored.TryGetLease(1, out var lease).Should().BeTrue();
        (lease!.TtlSeconds, lease.Keys.Single()).Should().Be((30L, "a"));
        restored.GetKeyValue("a")!.Lease.Should().Be(1);
        restored.Apply(3, DataCommands.Revoke(1)).Deleted.Should().Be(1);
        restored.Count.Should().Be(0);
    }
}
