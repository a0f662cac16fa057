using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>Bytes that are not the protocol, sent to a real node: it closes that connection, says why, and serves everyone else.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HostileClientTests(ITestOutputHelper output)
{
    private static readonly string[] Inputs = ["garbage", "huge length prefix", "invalid JSON hello", "invalid JSON request"];

    [Fact]
    public Task Hostile_connections_are_closed_and_logged_while_the_node_keeps_serving() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient();
        var follower = (leader.Id + 1) % cluster.Count;
        foreach (var target in new[] { leader.Id, follower })
        {
            foreach (var input in Inputs)
            {
                var mark = cluster.Node(target).Output.LineCount;
                var local = await SendAndExpectCloseAsync(cluster.Addresses[target], Bytes(input), ct);
                // The node names the connection it closed (by the client's port) and the reason.
                await cluster.WaitForLogAsync(target, $"Closing connection from {local}", TimeSpan.FromSeconds(10), ct, fromLine: mark);
                output.WriteLine($"node {target}, {input}: {cluster.Node(target).Output.LinesSince(mark).Last(l => l.Contains(local.ToString(), StringComparison.Ordinal))}");

                (await client.SetAsync($"after-{target}-{input}", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok, $"a write after {input} to node {target}");
            }
        }
        cluster.Node(leader.Id).IsRunning.Should().BeTrue();
        cluster.Node(follower).IsRunning.Should().BeTrue();
        (await cluster.TryStatusAsync(follower, ct)).Should().NotBeNull("the follower still answers status");
    });

    private static byte[] Bytes(string input) => input switch
    {
        // Seeded, so a failure replays: starts with a length that is either over the limit or followed by non-JSON.
        "garbage" => RandomBytes(256, seed: 1234),
        "huge length prefix" => [0x7F, 0xFF, 0xFF, 0xFF, (byte)'{', (byte)'}'],
        "invalid JSON hello" => Frame("{\"role\":\"client\""),
        "invalid JSON request" => [.. Frame("{\"role\":\"client\"}"), .. Frame("{\"id\":1,\"op\":\"get\",\"key\":")],
        _ => throw new ArgumentOutOfRangeException(nameof(input), input, null),
    };

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        bytes[0] = 0x5A; // a length of about 1.5 GB: over any limit
        return bytes;
    }

    private static byte[] Frame(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Connects, sends <paramref name="bytes"/>, and waits (with a deadline) for the node to close the connection. Returns the local end point.</summary>
    private static async Task<IPEndPoint> SendAndExpectCloseAsync(string address, byte[] bytes, CancellationToken ct)
    {
        var colon = address.LastIndexOf(':');
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(IPAddress.Parse(address[..colon]), int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), ct);
        var local = (IPEndPoint)tcp.Client.LocalEndPoint!;
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(bytes, ct);
        }
        catch (IOException)
        {
            // The node may close before it has read everything: that is the answer we wait for anyway.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, deadline.Token);
                read.Should().Be(0, "the node sends nothing back to a connection it cannot understand");
                return local;
            }
        }
        catch (IOException)
        {
            return local; // reset instead of an orderly close: closed all the same
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"node {address} kept a hostile connection from {local} open for 10 s");
        }
    }
}
