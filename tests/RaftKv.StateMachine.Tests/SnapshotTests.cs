using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace RaftKv.StateMachine.Tests;

public sealed class SnapshotTests
{
    [Fact]
    public void Restore_into_a_fresh_instance_gives_identical_snapshot_bytes_and_answers()
    {
        var original = Populated();
        var snapshot = original.TakeSnapshot();
        var restored = new KvStateMachine();

        restored.Restore(snapshot);

        restored.TakeSnapshot().Should().Equal(snapshot);
        restored.AppliedIndex.Should().Be(original.AppliedIndex);
        restored.Count.Should().Be(original.Count);
        restored.SessionCount.Should().Be(original.SessionCount);
        Contents(restored).Should().Equal(Contents(original));
        foreach (var key in original.All.Keys) restored.Get(key).Should().Be(original.Get(key));
    }

    [Fact]
    public void Restored_sessions_answer_retries_like_the_original()
    {
        var original = Populated();
        var restored = new KvStateMachine();
        restored.Restore(original.TakeSnapshot());
        var next = original.AppliedIndex + 1;

        foreach (var machine in new[] { original, restored })
        {
            var retry = machine.Apply(next, Commands.Set("k1", "0", 1, 2));
            retry.Kind.Should().Be(KvResultKind.Remembered);
            retry.Text().Should().Be("{\"v\":1.10}");
            machine.Apply(next + 1, Commands.Delete("k1", 1, 1)).IsDuplicate.Should().BeTrue();
            machine.Apply(next + 2, Commands.Delete("k2", 2, 1)).Found.Should().BeTrue();
            machine.Apply(next + 3, Commands.Set("k3", "1", 3, 1)).IsSessionExpired.Should().BeTrue("session 3 was never registered");
        }
        restored.TakeSnapshot().Should().Equal(original.TakeSnapshot());
    }

    [Fact]
    public void Snapshot_bytes_do_not_depend_on_the_order_keys_were_inserted_in()
    {
        // Revisions make the write order part of the state, so compare a machine that wrote keys in a scrambled
        // order with one that received them (in ordinal order) from its snapshot: same state, different insertion history.
        var keys = Enumerable.Range(0, 200).Select(i => $"key-{i * 7919 % 200}").ToArray();
        var written = new KvStateMachine();
        for (var i = 0; i < keys.Length; i++) written.Apply(i + 1, Commands.Set(keys[i], "1"));
        written.Apply(keys.Length + 1, Commands.Delete(keys[0]));
        var restored = new KvStateMachine();

        restored.Restore(written.TakeSnapshot());

        restored.TakeSnapshot().Should().Equal(written.TakeSnapshot());
    }

    [Fact]
    public void An_empty_state_machine_snapshots_and_restores()
    {
        var restored = Populated();

        restored.Restore(new KvStateMachine().TakeSnapshot());

        restored.Count.Should().Be(0);
        restored.SessionCount.Should().Be(0);
        restored.AppliedIndex.Should().Be(0);
    }

    [Fact]
    public void Restore_replaces_everything_that_was_there()
    {
        var source = new KvStateMachine();
        source.Apply(1, Commands.Set("new", "1"));
        var target = Populated();

        target.Restore(source.TakeSnapshot());

        target.All.Keys.Should().Equal("new");
        target.AppliedIndex.Should().Be(1);
        target.Apply(2, Commands.Set("k1", "5", 1, 2)).Kind.Should().Be(KvResultKind.SessionExpired, "the sessions went with the old state");
    }

    [Fact]
    public void Every_single_flipped_byte_is_refused_and_leaves_the_old_state_intact()
    {
        var snapshot = Populated().TakeSnapshot();
        var target = new KvStateMachine();
        target.Apply(1, Commands.Register());
        target.Apply(2, Commands.Set("mine", "true", 1, 1));
        var before = target.TakeSnapshot();

        for (var i = 0; i < snapshot.Length; i++)
        {
            var corrupted = (byte[])snapshot.Clone();
            corrupted[i] ^= 0x20;

            var act = () => target.Restore(corrupted);

            act.Should().Throw<FormatException>($"byte {i} was flipped");
        }
        target.TakeSnapshot().Should().Equal(before);
    }

    [Fact]
    public void Every_truncation_is_refused()
    {
        var snapshot = Populated().TakeSnapshot();
        var target = new KvStateMachine();

        for (var length = 0; length < snapshot.Length; length++)
        {
            var act = () => target.Restore(snapshot[..length]);

            act.Should().Throw<FormatException>($"the snapshot was cut to {length} bytes");
        }
        target.Count.Should().Be(0);
    }

    [Fact]
    public void Bytes_that_are_not_a_snapshot_are_refused()
    {
        var target = new KvStateMachine();

        var act = () => target.Restore(Encoding.UTF8.GetBytes("{\"this\":\"is json, not a snapshot\"}"));

        act.Should().Throw<FormatException>().WithMessage("*bad magic*");
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> WellSummedButInvalid => new()
    {
        { "unknown version", b => Patch(b, 4, [4, 0, 0, 0]), "*version 4 is not supported*" },
        { "negative applied index", b => Patch(b, 8, BitConverter.GetBytes(-1L)), "*applied index -1*" },
        { "huge key count", b => Patch(b, 16, BitConverter.GetBytes(int.MaxValue)), "*key count*does not fit*" },
        { "keys out of order", SwapFirstKeys, "*ascending ordinal order*" },
        { "value that is not JSON", b => ReplaceFirst(b, "1.10"u8, "1.1x"u8), "*not a single valid JSON value*" },
        { "trailing bytes", b => [.. b, 0], "*unexpected bytes*" },
    };

    [Theory]
    [MemberData(nameof(WellSummedButInvalid))]
    public void A_snapshot_with_a_valid_checksum_but_invalid_structure_is_refused(string what, Func<byte[], byte[]> damage, string reason)
    {
        var target = new KvStateMachine();
        target.Apply(1, Commands.Set("mine", "1"));
        var before = target.TakeSnapshot();

        var act = () => target.Restore(Resum(damage(Strip(Populated().TakeSnapshot()))));

        act.Should().Throw<FormatException>(what).WithMessage(reason);
        target.TakeSnapshot().Should().Equal(before);
    }

    [Fact]
    public void A_node_allowing_fewer_sessions_keeps_the_most_recently_used_ones()
    {
        var source = new KvStateMachine(maxSessions: 10);
        for (var i = 1; i <= 5; i++) source.Apply(i, Commands.Register());
        for (var i = 1; i <= 5; i++) source.Apply(5 + i, Commands.Set("k", "1", i, 1));
        var small = new KvStateMachine(maxSessions: 2);

        small.Restore(source.TakeSnapshot());

        small.SessionCount.Should().Be(2);
        small.Apply(11, Commands.Set("k", "1", 5, 1)).Kind.Should().Be(KvResultKind.Remembered);
        small.Apply(12, Commands.Set("k", "1", 4, 1)).Kind.Should().Be(KvResultKind.Remembered);
        small.Apply(13, Commands.Set("k", "1", 3, 1)).Kind.Should().Be(KvResultKind.SessionExpired);
    }

    [Fact]
    public void A_million_keys_snapshot_and_restore_identically()
    {
        const int keys = 1_000_000;
        var original = new KvStateMachine();
        Span<byte> command = stackalloc byte[128];
        for (var i = 1; i <= keys; i++)
        {
            System.Text.Unicode.Utf8.TryWrite(command, $"{{\"op\":\"set\",\"key\":\"key:{i}\",\"value\":{{\"n\":{i}.0}}}}", out var length);
            original.Apply(i, command[..length]);
        }
        var snapshot = original.TakeSnapshot();
        var restored = new KvStateMachine();

        restored.Restore(snapshot);

        restored.Count.Should().Be(keys);
        restored.Get("key:123456").Should().Be("{\"n\":123456.0}");
        restored.TakeSnapshot().Should().Equal(snapshot);
    }

    private static KvStateMachine Populated()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Register());
        machine.Apply(4, Commands.Register());
        machine.Apply(5, Commands.Set("k1", "{\"v\":1.10}", 1, 2));
        machine.Apply(6, Commands.Set("k2", "[\"é\",null,12345678901234567890]", 2, 1));
        machine.Apply(7, Commands.Delete("gone", 4, 9));
        machine.Apply(8, Commands.Set("z", "\"\\u00e9\""));
        machine.AdvanceTo(10);
        return machine;
    }

    private static Dictionary<string, string> Contents(KvStateMachine machine)
        => machine.All.ToDictionary(pair => pair.Key, pair => pair.Value.GetRawText());

    private static byte[] Strip(byte[] snapshot) => snapshot[..^8];

    private static byte[] Resum(byte[] body)
    {
        var result = new byte[body.Length + 8];
        body.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(body.Length), XxHash3.HashToUInt64(body));
        return result;
    }

    private static byte[] Patch(byte[] body, int offset, byte[] bytes)
    {
        var copy = (byte[])body.Clone();
        bytes.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] ReplaceFirst(byte[] body, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var at = body.AsSpan().IndexOf(from);
        at.Should().BeGreaterThanOrEqualTo(0);
        var copy = (byte[])body.Clone();
        to.CopyTo(copy.AsSpan(at));
        return copy;
    }

    // Renaming the first key, "k1", to "k3" puts it after the second, "k2".
    private static byte[] SwapFirstKeys(byte[] body) => ReplaceFirst(body, "k1"u8, "k3"u8);
    [Fact]
    public void Two_machines_at_the_same_index_write_the_same_bytes_whatever_order_their_hash_tables_hold_the_keys_in()
    {
        // The capture copies keys in hash-table order (cheap on the loop) and the view sorts them where it is written.
        // A machine that applied a history with deletions and one restored from a snapshot midway hold their keys in
        // different orders; their snapshots must still be identical (a node's snapshot is checked against no other,
        // but a leader's and a follower's state must never diverge in bytes).
        var history = new List<byte[]>();
        for (var i = 9; i >= 0; i--) history.Add(Commands.Set($"k{i}", $"{i}"));
        history.Add(Commands.Delete("k3"));
        history.Add(Commands.Delete("k7"));
        for (var i = 0; i < 6; i++) history.Add(Commands.Set($"n{i}", $"{i}"));
        history.Add(Commands.Set("k3", "\"back\""));

        var whole = new KvStateMachine();
        var midway = new KvStateMachine();
        for (var i = 0; i < history.Count; i++)
        {
            whole.Apply(i + 1, history[i]);
            if (i == 11) midway.Restore(whole.TakeSnapshot());
            else if (i > 11) midway.Apply(i + 1, history[i]);
        }

        var bytes = whole.Capture().Serialize();
        midway.Capture().Serialize().Should().Equal(bytes);
        var restored = new KvStateMachine();
        restored.Restore(bytes);
        restored.TakeSnapshot().Should().Equal(bytes);
    }
}
