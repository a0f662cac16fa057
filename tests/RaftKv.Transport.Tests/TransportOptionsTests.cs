using System.Net;
using RaftKv.Core;
using RaftKv.Transport.Tests.TestSupport;
using System.Threading.Channels;

namespace RaftKv.Transport.Tests;

public sealed class TransportOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_protocol_limits()
    {
        var options = new TransportOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), ClusterId = "c", NodeId = 0 };

        options.Validate();

        options.MaxClientFrameBytes.Should().Be(RaftKv.Protocol.ProtocolLimits.DefaultMaxClientFrameBytes);
        options.MaxPeerFrameBytes.Should().Be(RaftKv.Protocol.ProtocolLimits.DefaultMaxPeerFrameBytes);
        options.MaxConnections.Should().Be(4096);
        options.HelloTimeout.Should().Be(TimeSpan.FromSeconds(5));
        (options.ReconnectMin, options.ReconnectMax).Should().Be((TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)));
        options.PeerQueueCapacity.Should().Be(8192);
    }

    [Theory]
    [InlineData("ClusterId")]
    [InlineData("NodeId")]
    [InlineData("MaxClientFrameBytes")]
    [InlineData("MaxPeerFrameBytes")]
    [InlineData("MaxConnections")]
    [InlineData("MaxRequestsInFlightPerClient")]
    [InlineData("HelloTimeout")]
    [InlineData("ConnectTimeout")]
    [InlineData("ReconnectMin")]
    [InlineData("ReconnectMax")]
    [InlineData("PeerQueueCapacity")]
    public void An_invalid_setting_is_refused_by_name_and_no_server_is_created(string setting)
    {
        var valid = TestNode.Options(0);
        var options = setting switch
        {
            "ClusterId" => valid with { ClusterId = " " },
            "NodeId" => valid with { NodeId = -1 },
            "MaxClientFrameBytes" => valid with { MaxClientFrameBytes = 0 },
            "MaxPeerFrameBytes" => valid with { MaxPeerFrameBytes = -5 },
            "MaxConnections" => valid with { MaxConnections = 0 },
            "MaxRequestsInFlightPerClient" => valid with { MaxRequestsInFlightPerClient = 0 },
            "HelloTimeout" => valid with { HelloTimeout = TimeSpan.Zero },
            "ConnectTimeout" => valid with { ConnectTimeout = TimeSpan.FromSeconds(-1) },
            "ReconnectMin" => valid with { ReconnectMin = TimeSpan.Zero },
            "ReconnectMax" => valid with { ReconnectMin = TimeSpan.FromSeconds(3), ReconnectMax = TimeSpan.FromSeconds(1) },
            "PeerQueueCapacity" => valid with { PeerQueueCapacity = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };

        var act = () => new RaftServer(options, Channel.CreateUnbounded<Message>().Writer, new TestHandler(), new CapturingLogger());

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(setting);
    }

    [Fact]
    public async Task Starting_on_a_port_in_use_fails_with_a_socket_error()
    {
        await using var first = TestNode.Start(0);
        await using var second = new RaftServer(TestNode.Options(1, first.EndPoint.Port), Channel.CreateUnbounded<Message>().Writer,
            new TestHandler(), new CapturingLogger());

        var act = second.Start;

        act.Should().Throw<System.Net.Sockets.SocketException>();
    }
}
