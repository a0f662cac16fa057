namespace RaftKv.Core.Tests.Rules;

/// <summary>Settings are checked when a core is built: an impossible value is refused with a message that names it.</summary>
public sealed class OptionsRules
{
    public static TheoryData<RaftOptions, string> ImpossibleOptions => new()
    {
        { Build.Options(1, [1, 2, 3]) with { Id = -2 }, "Id" },
        { Build.Options(1, [1, 2, 3]) with { HeartbeatTicks = 0 }, "HeartbeatTicks" },
        { Build.Options(1, [1, 2, 3]) with { HeartbeatTicks = 5, ElectionTicks = 5 }, "ElectionTicks" },
        { Build.Options(1, [1, 2, 3]) with { MaxInflightMessages = 0 }, "MaxInflightMessages" },
        { Build.Options(1, [1, 2, 3]) with { MaxMessageBytes = 0 }, "MaxMessageBytes" },
        { Build.Options(1, [1, 2, 3]) with { InitialConfig = ClusterConfig.OfVoters() }, "voter" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleOptions))]
    public void Impossible_options_are_refused_with_the_setting_named(RaftOptions options, string named)
    {
        var build = () => new Raft(options, PersistentState.Empty, new Random(1));

        build.Should().Throw<ArgumentException>().WithMessage($"*{named}*");
    }

    [Fact]
    public void Leader_sends_heartbeats_every_heartbeat_interval()
    {
        var net = Network.OfSize(3, o => o with { HeartbeatTicks = 3, ElectionTicks = 30 });
        net.Elect(1);
        net.TickAll(2); // settle the heartbeat phase after the election
        var ticksWithHeartbeats = new List<int>();

        for (var tick = 1; tick <= 9; tick++)
        {
            var before = net.Sent.Count;
            net.TickAll();
            if (net.Sent.Skip(before).Any(m => m.Type == MessageType.Heartbeat)) ticksWithHeartbeats.Add(tick);
        }

        ticksWithHeartbeats.Should().HaveCount(3);
        ticksWithHeartbeats.Zip(ticksWithHeartbeats.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap == 3);
    }
}
