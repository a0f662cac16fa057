using System.Net;
using System.Threading.Channels;
using RaftKv.Core;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>A <see cref="RaftServer"/> on a loopback port with its inbound channel, handler and log, for one test.</summary>
public sealed class TestNode : IAsyncDisposable
{
    public const string ClusterId = "test-cluster";

    private TestNode(RaftServer server, Channel<Message> inbound, IClientRequestHandler handler, CapturingLogger log)
    {
        Server = server;
        Inbound = inbound;
        Handler = handler;
        Log = log;
    }

    public RaftServer Server { get; }
    public Channel<Message> Inbound { get; }
    public IClientRequestHandler Handler { get; }
    public CapturingLogger Log { get; }
    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public static TransportOptions Options(int nodeId, int port = 0) => new()
    {
        ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        ClusterId = ClusterId,
        NodeId = nodeId,
        ReconnectMin = TimeSpan.FromMilliseconds(20),
        ReconnectMax = TimeSpan.FromMilliseconds(200),
    };

    public static TestNode Start(TransportOptions options, IClientRequestHandler? handler = null)
    {
        var inbound = Channel.CreateUnbounded<Message>();
        var log = new CapturingLogger();
        handler ??= new TestHandler();
        var server = new RaftServer(options, inbound.Writer, handler, log);
        server.Start();
        return new TestNode(server, inbound, handler, log);
    }

    public static TestNode Start(int nodeId = 0) => Start(Options(nodeId));

    /// <summary>The next message a peer delivered, within the deadline.</summary>
    public async Task<Message> ReceiveAsync(TimeSpan? deadline = null)
    {
        using var cancel = new CancellationTokenSource(deadline ?? Eventually.DefaultDeadline);
        return await Inbound.Reader.ReadAsync(cancel.Token);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
