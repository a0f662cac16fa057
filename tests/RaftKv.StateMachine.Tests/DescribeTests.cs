namespace RaftKv.StateMachine.Tests;

public sealed class DescribeTests
{
    [Fact]
    public void Describe_shows_a_set_with_its_value_as_written()
    {
        KvStateMachine.Describe(Commands.Set("k", "{\"a\": [1.10, \"x y\"]}")).Should().Be("set k = {\"a\":[1.10,\"x y\"]}");
    }

    [Fact]
    public void Describe_shows_a_delete_and_the_client_session()
    {
        KvStateMachine.Describe(Commands.Delete("k", 12, 7)).Should().Be("delete k (session 12 seq 7)");
        KvStateMachine.Describe(Commands.Register()).Should().Be("register (a new session, its id is this index)");
    }

    [Fact]
    public void Describe_quotes_keys_that_could_be_misread()
    {
        KvStateMachine.Describe(Commands.Set("a = b\n", "1")).Should().Be("set \"a = b\\n\" = 1");
    }

    [Fact]
    public void Describe_shortens_long_values_to_keep_one_line()
    {
        var line = KvStateMachine.Describe(Commands.Set("k", "\"" + new string('x', 5000) + "\""));

        line.Length.Should().BeLessThan(300);
        line.Should().StartWith("set k = \"xxx").And.EndWith("…");
    }

    [Fact]
    public void Describe_shortens_long_multibyte_values_without_broken_characters()
    {
        var line = KvStateMachine.Describe(Commands.Set("k", "\"" + string.Concat(Enumerable.Repeat("é😀", 3000)) + "\""));

        line.Should().EndWith("…").And.NotContain("\uFFFD");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("{\"op\":\"set\",\"key\":\"\",\"value\":1}")]
    [InlineData("{\"op\":\"set\",\n\"key\":\"k\"\n,\"value\":1")]
    public void Describe_says_what_is_wrong_with_bytes_that_are_not_a_command(string text)
    {
        var line = KvStateMachine.Describe(Commands.Utf8(text));

        line.Should().StartWith("<").And.EndWith(">");
        line.Should().NotContainAny("\n", "\r");
    }

    [Fact]
    public void Describe_decode_and_apply_survive_random_and_mutated_bytes()
    {
        var random = new Random(4242);
        var seeds = new[]
        {
            Commands.Set("key", "{\"a\":[1.10,true,null,\"s\\u00e9\"]}", 7, 3),
            Commands.Delete("key", 7, 4),
            Commands.Set("k", "\"v\""),
            Commands.Register(),
        };
        var machine = new KvStateMachine();
        machine.Apply(1, seeds[2]);
        var before = machine.TakeSnapshot();
        var refused = 0;

        for (var i = 0; i < 5_000; i++)
        {
            var bytes = i % 4 == 0 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Length)]);

            var line = KvStateMachine.Describe(bytes);
            line.Should().NotBeNullOrEmpty().And.NotContainAny("\n", "\r");

            var decoded = Attempt(() => KvCommandCodec.Decode(bytes));
            var probe = new KvStateMachine();
            probe.Restore(before);
            var applied = Attempt(() => probe.Apply(2, bytes));
            applied.Should().Be(decoded, "Decode and Apply must accept and refuse the same bytes");
            if (!decoded)
            {
                refused++;
                probe.TakeSnapshot().Should().Equal(before, "a refused command changes nothing");
                line.Should().StartWith("<").And.EndWith(">");
            }
        }

        refused.Should().BeGreaterThan(500, "the mutations must exercise the error paths");
    }

    // True when the action succeeded, false when it refused the bytes with FormatException; any other exception fails the test.
    private static bool Attempt(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        for (var n = random.Next(1, 4); n > 0 && bytes.Count > 0; n--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, "{}[]\",:\\ 0-e.nu"u8[random.Next(15)]); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }
}
