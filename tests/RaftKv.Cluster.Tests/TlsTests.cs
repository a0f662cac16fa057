using System.Buffers;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Protocol.Tls;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Mutual TLS with real processes: certificates from <c>raftctl make-certs</c>, a cluster that works over TLS, and
/// each kind of stranger refused with one log line naming its address.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("raftkv-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> MakeCertsAsync(string name, int nodes, CancellationToken ct)
    {
        var dir = Path.Combine(_dir, name);
        var made = await Binaries.RunRaftctlAsync(["make-certs", "--out", dir, "--nodes", $"{nodes}"], TimeSpan.FromSeconds(60), ct);
        made.ExitCode.Should().Be(0, made.ToString());
        return dir;
    }

    private static string[] TlsArgs(string dir, string who) =>
        ["--tls-cert", Path.Combine(dir, $"{who}.pem"), "--tls-key", Path.Combine(dir, $"{who}-key.pem"), "--tls-ca", Path.Combine(dir, "ca.pem")];

    [Fact]
    public async Task Tls_cluster_serves_the_walk_through_and_refuses_a_foreign_ca_client_a_plain_client_and_a_plain_peer()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = deadline.Token;
        var certs = await MakeCertsAsync("cluster", 3, ct);
        var foreign = await MakeCertsAsync("foreign", 1, ct);
        var options = new LocalClusterOptions
        {
            NodeArguments = id => TlsArgs(certs, $"node-{id}"),
            ClientTls = ClusterTls.Load(Path.Combine(certs, "client.pem"), Path.Combine(certs, "client-key.pem"), Path.Combine(certs, "ca.pem")),
        };
        await ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
        {
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            var client = TlsArgs(certs, "client");

            // The walk-through, over TLS.
            var set = await Raftctl.RunAsync(cluster, ct, [.. client, "set", "greeting", "Hello over TLS"]);
            set.ExitCode.Should().Be(0, set.ToString());
            var get = await Raftctl.RunAsync(cluster, ct, [.. client, "get", "greeting"]);
            get.ExitCode.Should().Be(0, get.ToString());
            get.StandardOutput.Trim().Should().Be("\"Hello over TLS\"");
            var status = await Raftctl.RunAsync(cluster, ct, [.. client, "status", "--json"]);
            status.ExitCode.Should().Be(0, status.ToString());
            JsonDocument.Parse(status.StandardOutput).RootElement.EnumerateArray().Should().OnlyContain(n => n.GetProperty("reachable").GetBoolean());
            var members = await Raftctl.RunAsync(cluster, ct, [.. client, "member", "list", "--json"]);
            members.ExitCode.Should().Be(0, members.ToString());

            // A client whose certificate another CA signed.
            var mark = cluster.Node(0).Output.LineCount;
            var stranger = await Raftctl.RunAsync(cluster, ct, [.. TlsArgs(foreign, "client"), "--timeout", "2", "get", "greeting"]);
            stranger.ExitCode.Should().Be(3, stranger.ToString());
            stranger.StandardError.Should().ContainEquivalentOf("tls", "the refusal is a failed TLS handshake");
            await cluster.WaitForLogAsync(0, "Refused connection from 127.0.0.1:", TimeSpan.FromSeconds(20), ct, mark);

            // A plain-TCP client.
            mark = cluster.Node(0).Output.LineCount;
            var plain = await Raftctl.RunAsync(cluster, ct, "--timeout", "2", "get", "greeting");
            plain.ExitCode.Should().Be(3, plain.ToString());
            await cluster.WaitForLogAsync(0, "Refused connection from 127.0.0.1:", TimeSpan.FromSeconds(20), ct, mark);

            // A plain-TCP peer: a hello of this very cluster, but without TLS.
            mark = cluster.Node(0).Output.LineCount;
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await socket.ConnectAsync(ServerList.ResolveEndPoint(cluster.Addresses[0]), ct);
                var hello = JsonSerializer.SerializeToUtf8Bytes(new Hello { Role = Hello.PeerRole, ClusterId = cluster.ClusterId, NodeId = 2 }, ProtocolJsonContext.Default.Hello);
                var frame = new ArrayBufferWriter<byte>();
                Frame.Write(frame, hello);
                await socket.SendAsync(frame.WrittenMemory, SocketFlags.None, ct);
                var buffer = new byte[64];
                int read;
                do
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                }
                while (read > 0);
            }
            await cluster.WaitForLogAsync(0, "Refused connection from 127.0.0.1:", TimeSpan.FromSeconds(20), ct, mark);
            var refusal = cluster.Node(0).Output.LinesSince(mark).Where(l => l.Contains("Refused connection from 127.0.0.1:", StringComparison.Ordinal)).ToList();
            refusal.Should().ContainSingle("one line per refused connection").Which.Should().Contain("certificate");
            cluster.Node(0).Output.LinesSince(mark).Should().NotContain(l => l.Contains("Peer 2 connected from", StringComparison.Ordinal));

            // The cluster is unharmed.
            var after = await Raftctl.RunAsync(cluster, ct, [.. client, "get", "greeting"]);
            after.ExitCode.Should().Be(0, after.ToString());
        }, options);
    }
}
