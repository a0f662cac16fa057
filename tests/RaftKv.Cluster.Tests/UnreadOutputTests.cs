using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// A node whose output nobody reads (a terminal paused with Ctrl+S, `raftnode 0 | less` left open, a stuck log
/// shipper) keeps serving: the console logger drops lines rather than block the threads that log. With the logger's
/// default, once the pipe and the logger's queue were full every thread that logged blocked, the thread pool grew by
/// a thread at a time, and 200 writes did not finish in a minute.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UnreadOutputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_whose_output_nobody_reads_keeps_serving()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var dir = Directory.CreateTempSubdirectory("raftkv-unread-output-");
        var port = LocalCluster.FreeLoopbackPorts(1)[0];
        var address = $"127.0.0.1:{port}";
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "servers.txt"), address + "\n", ct);

        // Both streams are redirected to pipes that this test never reads.
        var info = new ProcessStartInfo(Binaries.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir.FullName,
        };
        foreach (var a in new[] { Binaries.RaftnodeDll, "0", "--http", "none", "--log-level", "Debug" }) info.ArgumentList.Add(a);
        ChildEnvironment.Apply(info);
        using var node = Process.Start(info) ?? throw new InvalidOperationException("raftnode did not start");
        using var registration = ProcessRegistry.Register(node);
        try
        {
            await using var client = new RaftClient(new RaftClientOptions { Servers = [address], Timeout = TimeSpan.FromSeconds(5) });
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    return (await client.SetAsync("before", JsonSerializer.SerializeToElement(0), ct)).Status == ClientStatus.Ok;
                }
                catch (ClusterUnavailableException)
                {
                    return false; // not listening or not leading yet
                }
            }, "the node's first write", TimeSpan.FromSeconds(30), ct);

            // Each connection closed before its hello is a debug line of about 90 bytes when the node closes it: 6,000
            // of them are about 540 KB, far more than a pipe (64 KiB) and the logger's queue (2,500 lines) hold.
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            for (var i = 0; i < 6000; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endPoint, ct);
            }
            output.WriteLine("6,000 connections opened and closed; the node's output is unread");

            // Generous for 200 writes of one client (well under a second here when the node does not block, and more
            // than a minute when it did).
            using var writes = CancellationTokenSource.CreateLinkedTokenSource(ct);
            writes.CancelAfter(TimeSpan.FromSeconds(30));
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 200; i++)
            {
                ClientResponse response;
                try
                {
                    response = await client.SetAsync($"after-{i}", JsonSerializer.SerializeToElement(i), writes.Token);
                }
                catch (OperationCanceledException) when (writes.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"only {i} of 200 writes were done after 30 s: the node stalls while its output is unread " +
                                               $"({node.Threads.Count} threads in it now)");
                }
                response.Status.Should().Be(ClientStatus.Ok);
            }
            output.WriteLine($"200 writes in {clock.Elapsed.TotalMilliseconds:0} ms");
            node.HasExited.Should().BeFalse("the node must keep running with its output unread");
        }
        finally
        {
            if (!node.HasExited) node.Kill();
            await node.WaitForExitAsync(CancellationToken.None);
            dir.Delete(recursive: true);
        }
    }
}
