namespace RaftKv.StateMachine.Tests;

public sealed class ClientSessionTests
{
    [Fact]
    public void A_retried_request_is_not_applied_twice_and_gets_its_original_result_even_after_the_key_changed()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "\"first\"", "c1", 1));
        machine.Apply(2, Commands.Set("k", "\"second\"", "c2", 1));

        var retry = machine.Apply(3, Commands.Set("k", "\"first\"", "c1", 1));

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Found.Should().BeTrue();
        retry.Text().Should().Be("\"first\"");
        machine.Get("k").Should().Be("\"second\"");
        machine.AppliedIndex.Should().Be(3);
    }

    [Fact]
    public void A_retry_is_answered_from_the_session_even_when_its_body_differs()
    {
        // Same (client, seq) means the same request; a client that reuses a seq for different content is
        // broken, and applying it would make the outcome depend on which copy arrived first.
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1", "c", 5));

        var retry = machine.Apply(2, Commands.Delete("k", "c", 5));

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Text().Should().Be("1");
        machine.Get("k").Should().Be("1");
    }

    [Fact]
    public void A_retried_delete_reports_the_original_found_even_though_the_key_is_gone_now()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Delete("k", "c", 1));

        var retry = machine.Apply(3, Commands.Delete("k", "c", 1));

        retry.Found.Should().BeTrue();
        retry.Kind.Should().Be(KvResultKind.Remembered);
    }

    [Fact]
    public void A_request_older_than_the_clients_last_is_flagged_duplicate_and_not_applied()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1", "c", 1));
        machine.Apply(2, Commands.Set("k", "2", "c", 2));

        var stale = machine.Apply(3, Commands.Set("k", "1", "c", 1));

        stale.Kind.Should().Be(KvResultKind.Duplicate);
        stale.IsDuplicate.Should().BeTrue();
        stale.Found.Should().BeFalse();
        stale.Value.Should().BeNull();
        machine.Get("k").Should().Be("2");
    }

    [Fact]
    public void A_newer_request_of_the_same_client_is_applied()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1", "c", 1));

        var next = machine.Apply(2, Commands.Set("k", "2", "c", 5));

        next.Kind.Should().Be(KvResultKind.Applied);
        machine.Get("k").Should().Be("2");
        machine.Apply(3, Commands.Set("k", "3", "c", 4)).IsDuplicate.Should().BeTrue();
    }

    [Fact]
    public void Sessions_of_different_clients_are_independent()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1", "c1", 7));

        var other = machine.Apply(2, Commands.Set("b", "2", "c2", 7));

        other.Kind.Should().Be(KvResultKind.Applied);
        machine.SessionCount.Should().Be(2);
    }

    [Fact]
    public void Commands_without_a_client_are_always_applied_and_open_no_session()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var again = machine.Apply(2, Commands.Set("k", "1"));

        again.Kind.Should().Be(KvResultKind.Applied);
        machine.SessionCount.Should().Be(0);
    }

    [Fact]
    public void A_full_table_evicts_the_session_least_recently_used_by_log_index()
    {
        var machine = new KvStateMachine(maxSessions: 3);
        machine.Apply(1, Commands.Set("k", "1", "a", 1));
        machine.Apply(2, Commands.Set("k", "2", "b", 1));
        machine.Apply(3, Commands.Set("k", "3", "c", 1));
        machine.Apply(4, Commands.Set("k", "4", "a", 2)); // a is now the most recently used; b the least

        machine.Apply(5, Commands.Set("k", "5", "d", 1));

        machine.SessionCount.Should().Be(3);
        machine.Apply(6, Commands.Set("k", "4", "a", 2)).Kind.Should().Be(KvResultKind.Remembered);
        machine.Apply(7, Commands.Set("k", "3", "c", 1)).Kind.Should().Be(KvResultKind.Remembered);
        // b was forgotten, so its retry is new to the state machine: the price of a bounded table.
        machine.Apply(8, Commands.Set("k", "2", "b", 1)).Kind.Should().Be(KvResultKind.Applied);
    }

    [Fact]
    public void A_retry_counts_as_use_and_keeps_its_session_from_eviction()
    {
        var machine = new KvStateMachine(maxSessions: 2);
        machine.Apply(1, Commands.Set("k", "1", "a", 1));
        machine.Apply(2, Commands.Set("k", "2", "b", 1));
        machine.Apply(3, Commands.Set("k", "1", "a", 1)); // retry: a is now newer than b

        machine.Apply(4, Commands.Set("k", "3", "c", 1));

        machine.Apply(5, Commands.Set("k", "1", "a", 1)).Kind.Should().Be(KvResultKind.Remembered);
        machine.Apply(6, Commands.Set("k", "2", "b", 1)).Kind.Should().Be(KvResultKind.Applied);
    }

    [Fact]
    public void Two_instances_fed_the_same_entries_evict_the_same_sessions_and_end_byte_identical()
    {
        var first = new KvStateMachine(maxSessions: 16);
        var second = new KvStateMachine(maxSessions: 16);
        var random = new Random(20240613);
        var seqs = new Dictionary<string, long>();

        for (long index = 1; index <= 5000; index++)
        {
            var command = RandomCommand(random, seqs);
            var a = Outcome(() => first.Apply(index, command));
            var b = Outcome(() => second.Apply(index, command));
            b.Should().Be(a, $"entry {index} must have the same outcome on both");
        }

        first.SessionCount.Should().Be(16);
        second.TakeSnapshot().Should().Equal(first.TakeSnapshot());
    }

    [Fact]
    public void A_node_restored_from_a_snapshot_midway_stays_in_step_with_one_that_applied_everything()
    {
        var full = new KvStateMachine(maxSessions: 16);
        var late = new KvStateMachine(maxSessions: 16);
        var random = new Random(77);
        var seqs = new Dictionary<string, long>();

        for (long index = 1; index <= 4000; index++)
        {
            if (index == 2000) late.Restore(full.TakeSnapshot());
            var command = RandomCommand(random, seqs);
            var expected = Outcome(() => full.Apply(index, command));
            if (index >= 2000) Outcome(() => late.Apply(index, command)).Should().Be(expected, $"entry {index}");
        }

        late.TakeSnapshot().Should().Equal(full.TakeSnapshot());
    }

    private static string Outcome(Func<KvResult> apply)
    {
        var result = apply();
        return $"{result.Kind} {result.Found} {result.Text()}";
    }

    // Commands from 40 clients, with retries and stale resends mixed in, so eviction and duplicates both happen.
    private static byte[] RandomCommand(Random random, Dictionary<string, long> seqs)
    {
        var key = $"key{random.Next(50)}";
        if (random.Next(10) == 0) return Commands.Set(key, random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture));

        var client = $"client{random.Next(40)}";
        seqs.TryGetValue(client, out var last);
        var seq = random.Next(4) switch
        {
            0 => last,                            // retry of the last request
            1 => Math.Max(0, last - random.Next(3)), // an old resend
            _ => seqs[client] = last + 1,
        };
        return random.Next(3) == 0
            ? Commands.Delete(key, client, seq)
            : Commands.Set(key, $"{{\"by\":\"{client}\",\"seq\":{seq}}}", client, seq);
    }
}
