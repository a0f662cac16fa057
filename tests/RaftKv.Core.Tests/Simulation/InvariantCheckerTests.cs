using System.Text;
using RaftKv.Core.Tests.Simulation.Invariants;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulator's checkers are only worth something if they can fail: each is fed hand-made states
/// that break its property and must flag them, and legal states that it must accept.
/// </summary>
public sealed class InvariantCheckerTests
{
    private static Entry E(long index, long term, string data = "") =>
        data.Length == 0 ? Entry.NoOpAt(index, term) : new Entry(index, term, EntryType.Command, Encoding.UTF8.GetBytes(data));

    // ---------------------------------------------------------------- Election Safety

    [Fact]
    public void Election_safety_flags_two_leaders_in_one_term()
    {
        var checker = new ElectionSafetyChecker();
        checker.ObserveLeader(node: 1, term: 4);
        var act = () => checker.ObserveLeader(node: 2, term: 4);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Election Safety");
    }

    [Fact]
    public void Election_safety_remembers_leaders_of_past_terms()
    {
        var checker = new ElectionSafetyChecker();
        checker.ObserveLeader(1, 3);
        checker.ObserveLeader(2, 5);
        // Node 0 claims term 3 long after node 1 led it (for example after a restart that forgot a vote).
        var act = () => checker.ObserveLeader(0, 3);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Election_safety_accepts_one_leader_per_term_seen_repeatedly()
    {
        var checker = new ElectionSafetyChecker();
        checker.ObserveLeader(1, 3).Should().BeTrue();
        checker.ObserveLeader(1, 3).Should().BeFalse();
        checker.ObserveLeader(2, 4).Should().BeTrue();
        checker.Elections.Should().Be(2);
    }

    // ---------------------------------------------------------------- Leader Append-Only

    [Fact]
    public void Leader_append_only_flags_a_leader_that_truncates_its_log()
    {
        var checker = new LeaderAppendOnlyChecker();
        checker.Observe(new LeaderView(0, 2, 0, 5, _ => 2));
        var act = () => checker.Observe(new LeaderView(0, 2, 0, 4, _ => 2));
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Leader Append-Only");
    }

    [Fact]
    public void Leader_append_only_flags_a_leader_that_overwrites_an_entry()
    {
        var checker = new LeaderAppendOnlyChecker();
        checker.Observe(new LeaderView(0, 3, 0, 5, i => i <= 4 ? 2 : 3));
        var act = () => checker.Observe(new LeaderView(0, 3, 0, 6, i => i <= 5 ? 2 : 3));
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Leader_append_only_accepts_growth_compaction_and_a_new_term()
    {
        var checker = new LeaderAppendOnlyChecker();
        var act = () =>
        {
            checker.Observe(new LeaderView(0, 3, 0, 5, _ => 3));
            checker.Observe(new LeaderView(0, 3, 5, 7, i => i >= 5 ? 3 : -1)); // compacted through 5, grew to 7
            checker.Observe(new LeaderView(0, 5, 0, 2, _ => 5));               // a later term may hold a shorter log
        };
        act.Should().NotThrow();
    }

    // ---------------------------------------------------------------- Log Matching

    [Fact]
    public void Log_matching_flags_same_index_and_term_with_different_content()
    {
        var checker = new LogMatchingChecker();
        checker.ObserveLog(node: 0, prevTerm: 0, [E(1, 1), E(2, 1, "0:1:k")]);
        var act = () => checker.ObserveLog(node: 1, prevTerm: 0, [E(1, 1), E(2, 1, "0:2:k")]);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Log Matching");
    }

    [Fact]
    public void Log_matching_flags_logs_that_differ_before_a_common_entry()
    {
        var checker = new LogMatchingChecker();
        checker.ObserveLog(0, 0, [E(1, 1), E(2, 1), E(3, 3)]);
        // Same (3, 3), but node 1 holds term 2 at index 2: the prefixes differ.
        var act = () => checker.ObserveLog(1, 0, [E(1, 1), E(2, 2), E(3, 3)]);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Log_matching_accepts_diverging_suffixes_of_different_terms()
    {
        var checker = new LogMatchingChecker();
        checker.ObserveLog(0, 0, [E(1, 1), E(2, 1, "0:1:k"), E(3, 2, "0:2:k")]);
        checker.ObserveLog(1, 0, [E(1, 1), E(2, 1, "0:1:k"), E(3, 3, "1:1:k")]);
        // A log that starts after a snapshot at (2, 1) joins the same history.
        checker.ObserveLog(2, prevTerm: 1, [E(3, 3, "1:1:k"), E(4, 3)]);
        checker.Count.Should().Be(5);
    }

    // ---------------------------------------------------------------- Leader Completeness

    [Fact]
    public void Leader_completeness_flags_a_later_leader_missing_a_committed_entry()
    {
        var checker = new LeaderCompletenessChecker();
        checker.ObserveCommitted(node: 0, nodeTerm: 2, index: 1, term: 1);
        checker.ObserveCommitted(node: 0, nodeTerm: 2, index: 2, term: 2);
        var terms = new long[] { 0, 1 }; // the leader of term 3 holds only index 1
        var act = () => checker.CheckLeader(new LeaderView(1, 3, 0, 1, i => terms[i]));
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Leader Completeness");
    }

    [Fact]
    public void Leader_completeness_flags_a_later_leader_with_another_entry_at_a_committed_index()
    {
        var checker = new LeaderCompletenessChecker();
        checker.ObserveCommitted(0, 2, 1, 1);
        checker.ObserveCommitted(0, 2, 2, 2);
        var terms = new long[] { 0, 1, 1 };
        var act = () => checker.CheckLeader(new LeaderView(1, 4, 0, 2, i => terms[i]));
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Leader_completeness_flags_two_terms_committed_at_one_index()
    {
        var checker = new LeaderCompletenessChecker();
        checker.ObserveCommitted(0, 2, 1, 2);
        var act = () => checker.ObserveCommitted(1, 3, 1, 3);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Leader_completeness_does_not_require_an_older_leader_to_hold_entries_committed_later()
    {
        var checker = new LeaderCompletenessChecker();
        checker.ObserveCommitted(node: 0, nodeTerm: 5, index: 3, term: 5);
        // A deposed leader of term 2 that never saw index 3, and a leader whose snapshot covers it.
        var act = () =>
        {
            checker.CheckLeader(new LeaderView(1, 2, 0, 2, i => 1));
            checker.CheckLeader(new LeaderView(2, 6, 3, 3, i => i == 3 ? 5 : -1));
            checker.CheckLeader(new LeaderView(3, 5, 0, 3, i => 5));
        };
        act.Should().NotThrow();
    }

    // ---------------------------------------------------------------- Commit durability

    [Fact]
    public void Commit_durability_flags_a_commit_held_on_only_a_minority_of_disks()
    {
        // Index 7 (term 3) is on node 0's disk only; node 1 acknowledged it but its disk ends at 6.
        long DiskTerm(int node, long index) => node == 0 && index <= 7 ? 3 : index <= 6 ? 3 : -1;
        var act = () => CommitDurabilityChecker.Check(0, 3, 7, 3, [0, 1, 2], DiskTerm);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Commit durability");
    }

    [Fact]
    public void Commit_durability_flags_a_majority_holding_another_term_at_the_index()
    {
        var act = () => CommitDurabilityChecker.Check(0, 4, 5, 4, [0, 1, 2], (node, _) => node == 0 ? 4 : 2);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Commit_durability_accepts_a_majority_on_disk_or_in_snapshots()
    {
        var act = () => CommitDurabilityChecker.Check(0, 3, 7, 3, [0, 1, 2, 3, 4],
            (node, _) => node switch { 0 => 3, 1 => CommitDurabilityChecker.InSnapshot, 2 => 3, _ => -1 });
        act.Should().NotThrow();
    }

    // ---------------------------------------------------------------- State Machine Safety

    [Fact]
    public void State_machine_safety_flags_different_entries_applied_at_one_index()
    {
        var checker = new StateMachineSafetyChecker();
        checker.ObserveApplied(node: 0, index: 5, term: 2, digest: 0xAA);
        var act = () => checker.ObserveApplied(node: 1, index: 5, term: 3, digest: 0xBB);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("State Machine Safety");
    }

    [Fact]
    public void State_machine_safety_flags_the_same_index_reached_through_a_different_history()
    {
        var checker = new StateMachineSafetyChecker();
        checker.ObserveApplied(0, 2, 1, digest: 0xAA);
        var act = () => checker.ObserveApplied(1, 2, 1, digest: 0xBB);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("State Machine Safety");
    }

    [Fact]
    public void State_machine_safety_accepts_the_same_history_on_two_nodes()
    {
        var checker = new StateMachineSafetyChecker();
        checker.ObserveApplied(0, 2, 1, digest: 0xAA);
        checker.ObserveApplied(1, 2, 1, digest: 0xAA);
        checker.DigestAt(2).Should().Be(0xAA);
    }

    // ---------------------------------------------------------------- Exactly once

    [Fact]
    public void Exactly_once_ignores_a_retry_with_the_same_client_and_seq()
    {
        var checker = new ExactlyOnceChecker();
        checker.Committed(1, "x", value: 11, session: 5, seq: 1, taken: true);
        checker.Committed(2, "x", value: 22, session: 6, seq: 1, taken: true);
        checker.Committed(3, "x", value: 11, session: 5, seq: 1, taken: true); // a late retry of session 5's write

        checker.ExpectedAfter(3).Should().Be(("x", 22L), "the retry must change nothing");
        checker.EffectiveWrites.Should().Equal(11, 22);
    }

    [Fact]
    public void Exactly_once_flags_a_value_that_takes_effect_twice()
    {
        var checker = new ExactlyOnceChecker();
        checker.Committed(1, "x", value: 11, session: 5, seq: 1, taken: true);
        var act = () => checker.Committed(2, "x", value: 11, session: 5, seq: 2, taken: true); // retried with a new seq
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Exactly once");
    }

    [Fact]
    public void Exactly_once_expects_a_write_of_an_expired_session_to_change_nothing_anywhere()
    {
        var checker = new ExactlyOnceChecker();
        checker.Committed(1, "x", value: 11, session: 5, seq: 1, taken: true);
        checker.Committed(2, "x", value: 22, session: 3, seq: 1, taken: false); // refused: session 3 expired

        checker.ExpectedAfter(2).Should().Be(("x", 11L));
        checker.EffectiveWrites.Should().Equal(11);
    }

    [Fact]
    public void Exactly_once_flags_a_gap_in_the_committed_log()
    {
        var checker = new ExactlyOnceChecker();
        checker.Committed(1);
        var act = () => checker.Committed(3);
        act.Should().Throw<InvariantViolationException>();
    }

    // ---------------------------------------------------------------- Linearizability

    private static WriteOp W(int client, int seq, long invoke, long? response, string key = "x") => new(Ids.Of(client, seq), key, invoke, response);

    [Fact]
    public void Linearizability_flags_a_stale_read()
    {
        // w1 then w2 acknowledged; a read that began after w2's acknowledgement still returns w1.
        var w1 = W(0, 1, 1, 2);
        var w2 = W(0, 2, 3, 4);
        var act = () => LinearizabilityChecker.Check([w1, w2], [new ReadOp("x", 5, 6, w1.Id)]);
        act.Should().Throw<InvariantViolationException>().Which.Invariant.Should().Be("Linearizability");
    }

    [Fact]
    public void Linearizability_flags_a_read_of_the_initial_value_after_an_acknowledged_write()
    {
        var act = () => LinearizabilityChecker.Check([W(0, 1, 1, 2)], [new ReadOp("x", 3, 4, 0)]);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Linearizability_flags_a_read_of_a_write_that_never_committed()
    {
        var act = () => LinearizabilityChecker.Check([W(0, 1, 1, 2)], [new ReadOp("x", 3, 4, Ids.Of(1, 7))]);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Linearizability_flags_a_read_from_the_future()
    {
        // The read finished before the write it returned was even invoked.
        var act = () => LinearizabilityChecker.Check([W(0, 1, 10, 12)], [new ReadOp("x", 1, 5, Ids.Of(0, 1))]);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Linearizability_flags_reads_that_go_back_in_time()
    {
        // Concurrent writes w1, w2 (neither acknowledged yet); one read sees w2, a later read sees w1.
        var w1 = W(0, 1, 1, null);
        var w2 = W(1, 1, 2, null);
        var act = () => LinearizabilityChecker.Check([w1, w2], [new ReadOp("x", 3, 4, w2.Id), new ReadOp("x", 5, 6, w1.Id)]);
        act.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Linearizability_flags_a_log_order_that_contradicts_real_time()
    {
        // w2 was acknowledged before w1 was invoked, yet w1 sits earlier in the log.
        var w1 = W(0, 1, 10, 12);
        var w2 = W(1, 1, 1, 5);
        var act = () => LinearizabilityChecker.Check([w2, w1], []);
        act.Should().NotThrow();
        var wrongOrder = () => LinearizabilityChecker.Check([w1, w2], []);
        wrongOrder.Should().Throw<InvariantViolationException>();
    }

    [Fact]
    public void Linearizability_accepts_concurrent_reads_and_unacknowledged_writes()
    {
        var w1 = W(0, 1, 1, 4);
        var w2 = W(1, 1, 2, null); // committed, but the client never heard back
        var act = () => LinearizabilityChecker.Check(
            [w1, w2, W(2, 1, 1, 3, key: "y")],
            [
                new ReadOp("x", 0, 2, 0),        // overlaps w1: may see the initial value
                new ReadOp("x", 3, 5, w1.Id),    // overlaps w2
                new ReadOp("x", 3, 6, w2.Id),    // overlaps w2 and sees it
                new ReadOp("x", 7, 8, w2.Id),
                new ReadOp("y", 4, 5, Ids.Of(2, 1)),
            ]);
        act.Should().NotThrow();
    }
}
