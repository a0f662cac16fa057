namespace RaftKv.StateMachine.Tests;

public sealed class RevisionTests
{
    [Fact]
    public void A_new_key_gets_create_and_mod_revision_of_its_entry_and_version_1()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(5, Commands.Set("k", "1"));

        result.Revision.Should().Be(5);
        var kv = machine.GetKeyValue("k")!;
        kv.CreateRevision.Should().Be(5);
        kv.ModRevision.Should().Be(5);
        kv.Version.Should().Be(1);
        machine.Revision.Should().Be(5);
    }

    [Fact]
    public void Overwriting_keeps_create_revision_moves_mod_revision_and_counts_versions()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Set("other", "1"));

        machine.Apply(4, Commands.Set("k", "2"));
        machine.Apply(7, Commands.Set("k", "3"));

        var kv = machine.GetKeyValue("k")!;
        (kv.CreateRevision, kv.ModRevision, kv.Version).Should().Be((1L, 7L, 3L));
        kv.Value!.Value.GetRawText().Should().Be("3");
    }

    [Fact]
    public void A_key_deleted_and_created_again_starts_over_at_version_1()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Set("k", "2"));
        machine.Apply(3, Commands.Delete("k"));

        machine.Apply(4, Commands.Set("k", "3"));

        var kv = machine.GetKeyValue("k")!;
        (kv.CreateRevision, kv.ModRevision, kv.Version).Should().Be((4L, 4L, 1L));
    }

    [Fact]
    public void Entries_that_write_nothing_still_advance_the_store_revision()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        machine.AdvanceTo(9);

        machine.Revision.Should().Be(9);
        machine.GetKeyValue("k")!.ModRevision.Should().Be(1);
    }

    [Fact]
    public void Restoring_a_snapshot_keeps_every_revision_and_version()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));
        machine.Apply(2, Commands.Set("a", "2"));
        machine.Apply(3, Commands.Set("b", "\"x\""));
        var restored = new KvStateMachine();

        restored.Restore(machine.TakeSnapshot());

        (restored.GetKeyValue("a")!.CreateRevision, restored.GetKeyValue("a")!.ModRevision, restored.GetKeyValue("a")!.Version).Should().Be((1L, 2L, 2L));
        restored.GetKeyValue("b")!.CreateRevision.Should().Be(3);
        restored.Revision.Should().Be(3);
    }
}
