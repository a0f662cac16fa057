using System.Buffers.Binary;
using System.IO.Hashing;

namespace RaftKv.StateMachine.Tests;

/// <summary>Client sessions registered through the log (Raft thesis §6.3; the rules are in <see cref="SessionRules"/>).</summary>
public sealed class ClientSessionTests
{
    [Fact]
    public void Register_opens_a_session_whose_id_is_the_index_of_its_entry()
    {
        var machine = new KvStateMachine();
        machine.AdvanceTo(6);

        var result = machine.Apply(7, Commands.Register());

        result.Kind.Should().Be(KvResultKind.Registered);
        machine.HasSession(7).Should().BeTrue();
        machine.TryGetLastSeq(7, out var seq).Should().BeTrue();
        seq.Should().Be(0);
        machine.SessionCount.Should().Be(1);
        machine.AppliedIndex.Should().Be(7);
    }

    [Fact]
    public void A_write_of_a_session_that_was_never_registered_is_refused_and_changes_nothing()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        var before = machine.TakeSnapshot();

        var result = machine.Apply(2, Commands.Set("k", "2", session: 1, seq: 1));

        result.Kind.Should().Be(KvResultKind.SessionExpired);
        result.IsSessionExpired.Should().BeTrue();
        machine.Get("k").Should().Be("1");
        machine.SessionCount.Should().Be(0);
        machine.AppliedIndex.Should().Be(2);
        Restored(machine).Should().Equal(Snapshot(before, appliedIndex: 2), "nothing but the applied index moved");
    }

    [Fact]
    public void A_write_naming_a_future_index_is_refused_even_if_a_register_later_lands_there()
    {
        var machine = new KvStateMachine();

        machine.Apply(1, Commands.Set("k", "\"guess\"", session: 2, seq: 1)).IsSessionExpired.Should().BeTrue();
        machine.Apply(2, Commands.Register());

        machine.Get("k", orNull: true).Should().BeNull();
        machine.Apply(3, Commands.Set("k", "\"mine\"", session: 2, seq: 1)).Kind.Should().Be(KvResultKind.Applied);
    }

    [Fact]
    public void A_retried_request_is_not_applied_twice_and_gets_its_original_result_even_after_the_key_changed()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());
        machine.Apply(3, Commands.Set("k", "\"first\"", 1, 1));
        machine.Apply(4, Commands.Set("k", "\"second\"", 2, 1));

        var retry = machine.Apply(5, Commands.Set("k", "\"first\"", 1, 1));

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Found.Should().BeTrue();
        retry.Text().Should().Be("\"first\"");
        machine.Get("k").Should().Be("\"second\"");
        machine.AppliedIndex.Should().Be(5);
    }

    [Fact]
    public void A_retried_write_remembers_the_revision_it_was_applied_at()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", "1", 1, 1)).Revision.Should().Be(2);
        machine.Apply(3, Commands.Set("other", "1"));

        var retry = machine.Apply(4, Commands.Set("k", "1", 1, 1));

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Revision.Should().Be(2, "a retry reports the original write's revision, not its own entry's");
    }

    [Fact]
    public void A_retry_is_answered_from_the_session_even_when_its_body_differs()
    {
        // Same (session, seq) means the same request; a client that reuses a seq for different content is
        // broken, and applying it would make the outcome depend on which copy arrived first.
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", "1", 1, 5));

        var retry = machine.Apply(3, Commands.Delete("k", 1, 5));

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Text().Should().Be("1");
        machine.Get("k").Should().Be("1");
    }

    [Fact]
    public void A_retried_delete_reports_the_original_found_even_though_the_key_is_gone_now()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Register());
        machine.Apply(3, Commands.Delete("k", 2, 1));

        var retry = machine.Apply(4, Commands.Delete("k", 2, 1));

        retry.Found.Should().BeTrue();
        retry.Kind.Should().Be(KvResultKind.Remembered);
    }

    [Fact]
    public void A_request_older_than_the_sessions_last_is_flagged_duplicate_and_not_applied()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", "1", 1, 1));
        machine.Apply(3, Commands.Set("k", "2", 1, 2));

        var stale = machine.Apply(4, Commands.Set("k", "1", 1, 1));

        stale.Kind.Should().Be(KvResultKind.Duplicate);
        stale.IsDuplicate.Should().BeTrue();
        stale.Found.Should().BeFalse();
        stale.Value.Should().BeNull();
        machine.Get("k").Should().Be("2");
    }

    [Fact]
    public void A_newer_request_of_the_same_session_is_applied()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", "1", 1, 1));

        var next = machine.Apply(3, Commands.Set("k", "2", 1, 5));

        next.Kind.Should().Be(KvResultKind.Applied);
        machine.Get("k").Should().Be("2");
        machine.Apply(4, Commands.Set("k", "3", 1, 4)).IsDuplicate.Should().BeTrue();
    }

    [Fact]
    public void Commands_without_a_session_are_always_applied_and_open_no_session()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var again = machine.Apply(2, Commands.Set("k", "1"));

        again.Kind.Should().Be(KvResultKind.Applied);
        machine.SessionCount.Should().Be(0);
    }

    [Fact]
    public void A_full_table_expires_the_session_least_recently_used_by_log_index_and_its_retry_is_refused()
    {
        var machine = new KvStateMachine(maxSessions: 3);
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());
        machine.Apply(3, Commands.Register());
        machine.Apply(4, Commands.Set("k", "1", 1, 1)); // 1 is now the most recently used; 2 the least
        machine.Apply(5, Commands.Set("k", "3", 3, 1));

        machine.Apply(6, Commands.Register());

        machine.SessionCount.Should().Be(3);
        machine.HasSession(2).Should().BeFalse();
        machine.Apply(7, Commands.Set("k", "1", 1, 1)).Kind.Should().Be(KvResultKind.Remembered);
        machine.Apply(8, Commands.Set("k", "3", 3, 1)).Kind.Should().Be(KvResultKind.Remembered);
        // 2 expired: its write is refused, not taken for a new client's.
        machine.Apply(9, Commands.Set("k", "2", 2, 1)).Kind.Should().Be(KvResultKind.SessionExpired);
        machine.Get("k").Should().Be("3");
    }

    [Fact]
    public void A_retry_counts_as_use_and_keeps_its_session_from_expiry()
    {
        var machine = new KvStateMachine(maxSessions: 2);
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());
        machine.Apply(3, Commands.Set("k", "1", 1, 1));
        machine.Apply(4, Commands.Set("k", "2", 2, 1));
        machine.Apply(5, Commands.Set("k", "1", 1, 1)); // retry: 1 is now newer than 2

        machine.Apply(6, Commands.Register());

        machine.HasSession(1).Should().BeTrue();
        machine.HasSession(2).Should().BeFalse();
    }

    [Fact]
    public void A_refused_write_does_not_bring_an_expired_session_back()
    {
        var machine = new KvStateMachine(maxSessions: 1);
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());

        machine.Apply(3, Commands.Set("k", "1", 1, 1)).IsSessionExpired.Should().BeTrue();
        machine.Apply(4, Commands.Set("k", "1", 1, 2)).IsSessionExpired.Should().BeTrue();

        machine.HasSession(1).Should().BeFalse();
        machine.HasSession(2).Should().BeTrue();
    }

    [Fact]
    public void The_table_never_holds_more_than_its_bound_however_many_sessions_register()
    {
        var machine = new KvStateMachine(maxSessions: 100);

        for (long index = 1; index <= 50_000; index++)
        {
            machine.Apply(index, index % 2 == 1 ? Commands.Register() : Commands.Set("k", "1", index - 1, 1));
            machine.SessionCount.Should().BeLessThanOrEqualTo(100);
        }

        machine.SessionCount.Should().Be(100);
        machine.HasSession(49_999).Should().BeTrue();
        machine.HasSession(49_999 - 200).Should().BeFalse();
    }

    [Theory]
    [InlineData(12_000)]
    [InlineData(1_000_000)]
    public void A_late_retry_after_many_one_shot_sessions_is_refused_and_the_newer_write_stays(int oneShotSessions)
    {
        // The defect of issue 8: C writes x=1, D writes x=2, many one-shot clients come and go, then C's
        // first write arrives again. It must not be applied: x stays 2.
        var machine = new KvStateMachine();
        long index = 0;
        var c = ++index;
        machine.Apply(c, Commands.Register());
        var d = ++index;
        machine.Apply(d, Commands.Register());
        var first = Commands.Set("x", "1", c, 1);
        machine.Apply(++index, first).Kind.Should().Be(KvResultKind.Applied);
        machine.Apply(++index, Commands.Set("x", "2", d, 1)).Kind.Should().Be(KvResultKind.Applied);
        for (var i = 0; i < oneShotSessions; i++)
        {
            var session = ++index;
            machine.Apply(session, Commands.Register());
            machine.Apply(++index, Commands.Set($"other-{i % 100}", "0", session, 1));
        }

        var retry = machine.Apply(++index, first);

        retry.Kind.Should().Be(KvResultKind.SessionExpired);
        machine.Get("x").Should().Be("2");
        machine.SessionCount.Should().Be(KvStateMachine.DefaultMaxSessions);
    }

    [Fact]
    public void Sessions_survive_snapshot_and_restore_with_their_results_and_their_expiry_order()
    {
        var machine = new KvStateMachine(maxSessions: 3);
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());
        machine.Apply(3, Commands.Register());
        machine.Apply(4, Commands.Set("k", "{\"a\":1}", 2, 4)); // recency, oldest first: 1, 3, 2
        machine.Apply(5, Commands.Delete("k", 3, 1));           // 1, 2, 3
        machine.Apply(6, Commands.Register());                  // expires 1: 2, 3, 6
        var restored = new KvStateMachine(maxSessions: 3);

        restored.Restore(machine.TakeSnapshot());

        foreach (var m in new[] { machine, restored })
        {
            m.Apply(7, Commands.Set("k", "0", 2, 4)).Text().Should().Be("{\"a\":1}");
            m.Apply(8, Commands.Delete("k", 3, 1)).Found.Should().BeTrue();
            m.Apply(9, Commands.Set("k", "0", 1, 1)).IsSessionExpired.Should().BeTrue();
            m.Apply(10, Commands.Register()); // expires 6, now the least recently used
            m.HasSession(6).Should().BeFalse();
            m.HasSession(2).Should().BeTrue();
        }
        restored.TakeSnapshot().Should().Equal(machine.TakeSnapshot());
    }

    [Fact]
    public void Two_instances_fed_the_same_entries_expire_the_same_sessions_and_end_byte_identical()
    {
        var first = new KvStateMachine(maxSessions: 16);
        var second = new KvStateMachine(maxSessions: 16);
        var workload = new Workload(new Random(20240613));

        for (long index = 1; index <= 5000; index++)
        {
            var command = workload.Next(index);
            var a = Outcome(() => first.Apply(index, command));
            var b = Outcome(() => second.Apply(index, command));
            b.Should().Be(a, $"entry {index} must have the same outcome on both");
        }

        first.SessionCount.Should().Be(16);
        workload.Outcomes().Should().Contain(KvResultKind.SessionExpired).And.Contain(KvResultKind.Remembered);
        second.TakeSnapshot().Should().Equal(first.TakeSnapshot());
    }

    [Fact]
    public void A_node_restored_from_a_snapshot_midway_stays_in_step_with_one_that_applied_everything()
    {
        var full = new KvStateMachine(maxSessions: 16);
        var late = new KvStateMachine(maxSessions: 16);
        var workload = new Workload(new Random(77));

        for (long index = 1; index <= 4000; index++)
        {
            if (index == 2000) late.Restore(full.TakeSnapshot());
            var command = workload.Next(index);
            var expected = Outcome(() => full.Apply(index, command));
            if (index >= 2000) Outcome(() => late.Apply(index, command)).Should().Be(expected, $"entry {index}");
        }

        late.TakeSnapshot().Should().Equal(full.TakeSnapshot());
    }

    [Fact]
    public void Replaying_the_same_log_from_scratch_gives_the_same_sessions_and_bytes()
    {
        var workload = new Workload(new Random(5));
        var log = Enumerable.Range(1, 3000).Select(i => workload.Next(i)).ToArray();

        byte[] Replay()
        {
            var machine = new KvStateMachine(maxSessions: 8);
            for (var i = 0; i < log.Length; i++) machine.Apply(i + 1, log[i]);
            return machine.TakeSnapshot();
        }

        Replay().Should().Equal(Replay());
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void A_snapshot_of_an_older_format_keeps_its_keys_and_drops_its_client_named_sessions(uint version)
    {
        // Versions 1 and 2 named sessions by client-chosen strings; those cannot become registered sessions.
        var snapshot = OldFormatSnapshot(version, appliedIndex: 5, key: "k", value: "1", clientId: "c", seq: 1);
        var machine = new KvStateMachine();

        machine.Restore(snapshot);

        machine.Get("k").Should().Be("1");
        machine.AppliedIndex.Should().Be(5);
        machine.SessionCount.Should().Be(0);
        machine.Apply(6, Commands.Register()).Kind.Should().Be(KvResultKind.Registered);
    }

    private static byte[] OldFormatSnapshot(uint version, long appliedIndex, string key, string value, string clientId, long seq)
    {
        var body = new List<byte>();
        void I32(int v)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, v);
            body.AddRange(bytes);
        }
        void I64(long v)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, v);
            body.AddRange(bytes);
        }
        void Text(string t)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(t);
            I32(bytes.Length);
            body.AddRange(bytes);
        }
        body.AddRange("RKVS"u8.ToArray());
        I32((int)version);
        I64(appliedIndex);
        I32(1);
        Text(key);
        Text(value);
        if (version == 2)
        {
            I64(1); // create revision
            I64(1); // mod revision
            I64(1); // version
            I64(0); // lease
            I32(0); // no leases
        }
        I32(1);
        Text(clientId);
        I64(seq);
        I64(appliedIndex);
        body.Add(3); // found, has value
        Text(value);
        I64((long)XxHash3.HashToUInt64(body.ToArray()));
        return [.. body];
    }

    private static string Outcome(Func<KvResult> apply)
    {
        var result = apply();
        return $"{result.Kind} {result.Found} {result.Text()}";
    }

    private static byte[] Restored(KvStateMachine machine) => machine.TakeSnapshot();

    // The snapshot a machine holding `before`'s state would write at another applied index.
    private static byte[] Snapshot(byte[] before, long appliedIndex)
    {
        var machine = new KvStateMachine();
        machine.Restore(before);
        machine.AdvanceTo(appliedIndex);
        return machine.TakeSnapshot();
    }

    /// <summary>
    /// Registrations, writes, retries, stale resends and writes of expired sessions, mixed so that expiry,
    /// duplicates and refusals all happen. Session ids are the indexes the registers were proposed at.
    /// </summary>
    private sealed class Workload(Random random)
    {
        private readonly List<long> _registered = [];
        private readonly Dictionary<long, long> _seqs = [];
        private readonly List<long> _indexes = [];
        private readonly List<byte[]> _commands = [];

        public byte[] Next(long index)
        {
            var command = Make(index);
            _indexes.Add(index);
            _commands.Add(command);
            return command;
        }

        /// <summary>The kinds of result the commands so far produce, replayed on a fresh machine of 16 sessions.</summary>
        public HashSet<KvResultKind> Outcomes()
        {
            var replay = new KvStateMachine(maxSessions: 16);
            return [.. _indexes.Select((index, i) => replay.Apply(index, _commands[i]).Kind)];
        }

        private byte[] Make(long index)
        {
            if (_registered.Count == 0 || random.Next(8) == 0)
            {
                _registered.Add(index);
                return Commands.Register();
            }
            var key = $"key{random.Next(50)}";
            if (random.Next(10) == 0) return Commands.Set(key, random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture));

            var session = _registered[random.Next(_registered.Count)];
            _seqs.TryGetValue(session, out var last);
            var seq = random.Next(4) switch
            {
                0 when last > 0 => last,                           // retry of the last request
                1 when last > 1 => last - random.Next(1, last > 3 ? 3 : (int)last), // an old resend
                _ => _seqs[session] = last + 1,
            };
            return random.Next(3) == 0
                ? Commands.Delete(key, session, seq)
                : Commands.Set(key, $"{{\"by\":{session},\"seq\":{seq}}}", session, seq);
        }
    }
}
