namespace RaftKv.StateMachine.Tests;

public sealed class EventHistoryTests
{
    private static List<KvEvent> ReadAll(KvStateMachine machine, long from)
    {
        var events = new List<KvEvent>();
        machine.History.Read(from, machine.Revision, _ => true, events, int.MaxValue);
        return events;
    }

    [Fact]
    public void Every_change_is_recorded_in_revision_order_with_its_version()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));
        machine.Apply(2, Commands.Set("a", "2"));
        machine.Apply(3, Commands.Delete("a"));
        machine.Apply(4, Commands.Delete("missing"));

        ReadAll(machine, 1).Select(e => (e.IsPut, e.Key, e.ModRevision, e.Version))
            .Should().Equal((true, "a", 1L, 1L), (true, "a", 2L, 2L), (false, "a", 3L, 0L));
    }

    [Fact]
    public void Reading_from_a_revision_skips_older_events()
    {
        var machine = new KvStateMachine();
        for (var i = 1; i <= 5; i++) machine.Apply(i, Commands.Set("k", i.ToString()));

        ReadAll(machine, 4).Select(e => e.ModRevision).Should().Equal(4, 5);
    }

    [Fact]
    public void A_full_history_drops_the_oldest_events_and_says_where_it_now_starts()
    {
        var machine = new KvStateMachine(historyEvents: 3);
        for (var i = 1; i <= 5; i++) machine.Apply(i, Commands.Set("k", i.ToString()));

        machine.History.EarliestRevision.Should().Be(3);
        ReadAll(machine, 3).Select(e => e.ModRevision).Should().Equal(3, 4, 5);
    }

    [Fact]
    public void A_history_that_grows_past_its_first_size_keeps_every_event_in_order_up_to_its_bound()
    {
        var machine = new KvStateMachine(historyEvents: 1000);
        for (var i = 1; i <= 2500; i++) machine.Apply(i, Commands.Set($"k{i % 7}", i.ToString()));

        machine.History.Count.Should().Be(1000);
        machine.History.EarliestRevision.Should().Be(1501);
        ReadAll(machine, 1501).Select(e => e.ModRevision).Should().Equal(Enumerable.Range(1501, 1000).Select(i => (long)i));
    }

    [Fact]
    public void A_history_that_dropped_events_for_bytes_and_then_grows_keeps_its_order()
    {
        // Big events first: the byte bound drops old ones while the ring is at its first size, so the ring has
        // wrapped; then small ones, more of which fit in the bytes than in the ring, so it grows while wrapped.
        var machine = new KvStateMachine(historyEvents: 10_000, historyBytes: 100 * 67);
        var big = $"\"{new string('v', 200)}\"";
        for (var i = 1; i <= 50; i++) machine.Apply(i, Commands.Set("k", big));
        for (var i = 51; i <= 300; i++) machine.Apply(i, Commands.Set("k", "1"));
        var held = machine.History.Count;

        held.Should().BeGreaterThan(64, "the ring grew past its first size");
        machine.History.EarliestRevision.Should().Be(300 - held + 1);
        ReadAll(machine, machine.History.EarliestRevision).Select(e => e.ModRevision)
            .Should().Equal(Enumerable.Range(300 - held + 1, held).Select(i => (long)i));
    }

    [Fact]
    public void The_history_is_bounded_in_bytes_too()
    {
        var machine = new KvStateMachine(historyBytes: 10_000);
        var big = $"\"{new string('x', 3000)}\"";
        for (var i = 1; i <= 10; i++) machine.Apply(i, Commands.Set("k", big));

        machine.History.Count.Should().BeLessThan(4);
        machine.History.EarliestRevision.Should().Be(10 - machine.History.Count + 1);
    }

    [Fact]
    public void After_a_snapshot_is_installed_the_history_starts_after_it()
    {
        var source = new KvStateMachine();
        for (var i = 1; i <= 5; i++) source.Apply(i, Commands.Set("k", i.ToString()));
        var follower = new KvStateMachine();
        follower.Apply(1, Commands.Set("k", "1"));

        follower.Restore(source.TakeSnapshot());

        follower.History.EarliestRevision.Should().Be(6);
        follower.History.Count.Should().Be(0);
    }

    [Fact]
    public void A_limited_read_stops_between_revisions_and_resumes_without_gaps_or_repeats()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("p/a", "1"));
        machine.Apply(2, Commands.Set("p/b", "1"));
        machine.Apply(3, DataCommands.DeletePrefix("p/"));
        machine.Apply(4, Commands.Set("p/c", "1"));

        var seen = new List<KvEvent>();
        var next = 1L;
        while (next <= machine.Revision)
        {
            var batch = new List<KvEvent>();
            next = machine.History.Read(next, machine.Revision, _ => true, batch, 2);
            seen.AddRange(batch);
        }

        seen.Select(e => (e.Key, e.ModRevision, e.IsPut)).Should().Equal(
            ("p/a", 1L, true), ("p/b", 2L, true), ("p/a", 3L, false), ("p/b", 3L, false), ("p/c", 4L, true));
    }
}
