using System.Diagnostics;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Streamed InstallSnapshot with real processes (issue 9): a snapshot several times larger than the peer frame limit
/// reaches a follower in chunks, while a writer keeps writing and no node exits. The CI variant lowers the frame limit
/// to 2 MiB (RAFTKV_TEST_MAX_PEER_FRAME_BYTES) so that a state of about 12 MiB needs at least six frames; before the
/// snapshot was streamed, a state larger than one frame was dropped by the leader every election timeout, forever.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SnapshotStreamTests(ITestOutputHelper output)
{
    private const int FrameBytes = 2 << 20;
    private const int BigValues = 96;
    private const int BigValueChars = 128 << 10;

    private static readonly LocalClusterOptions SmallFrames = new()
    {
        ExtraArguments = ["--snapshot-entries", "40"],
        Environment = new Dictionary<string, string> { ["RAFTKV_TEST_MAX_PEER_FRAME_BYTES"] = FrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    [Fact]
    public Task Follower_whose_data_was_deleted_catches_up_by_a_snapshot_larger_than_a_frame_while_a_writer_writes() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var follower = Enumerable.Range(0, cluster.Count).First(id => id != leader.Id);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(30));

        for (var i = 0; i < BigValues; i++)
            (await client.SetAsync(BigKey(i), BigValue(i), ct)).Status.Should().Be(ClientStatus.Ok);
        // Compacted past the start: a follower with an empty log can only be brought back by a snapshot.
        await Wait.UntilAsync(async () => (await cluster.TryStatusAsync(leader.Id, ct))?.FirstIndex > 2,
            "the leader compacted its log", TimeSpan.FromSeconds(60), ct);

        await cluster.KillAsync(follower, ct);
        Directory.Delete(cluster.DataDirectory(follower), recursive: true);

        using var stopWriter = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var acknowledged = new List<long>();
        var writer = Task.Run(async () =>
        {
            for (long n = 0; !stopWriter.IsCancellationRequested; n++)
            {
                var response = await client.SetAsync($"w-{n}", Json.Number(n), ct);
                response.Status.Should().Be(ClientStatus.Ok, $"write w-{n} during the transfer ({response.Error})");
                lock (acknowledged) acknowledged.Add(n);
            }
        }, CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        cluster.Start(follower);
        await cluster.WaitForLogAsync(follower, "installed snapshot", TimeSpan.FromSeconds(60), ct);
        var catchUp = Stopwatch.GetElapsedTime(started);
        await Wait.UntilAsync(() => Task.FromResult(Count(acknowledged) >= 20 || writer.IsCompleted),
            "more writes after the install", TimeSpan.FromSeconds(60), ct);
        await stopWriter.CancelAsync();
        await writer;
        output.WriteLine($"follower {follower} installed the snapshot {catchUp.TotalSeconds:0.00} s after its restart; {Count(acknowledged)} writes acknowledged meanwhile");

        cluster.NodeLog(leader.Id).Should().Contain("Streaming the snapshot", "the snapshot must travel as a stream of chunks");
        await NodeReads.WaitUntilCaughtUpAsync(cluster, follower, TimeSpan.FromSeconds(60), ct);
        await using var followerClient = new RaftKv.Client.RaftClient(new RaftKv.Client.RaftClientOptions
        {
            Servers = [cluster.Addresses[follower]],
            Timeout = TimeSpan.FromSeconds(10),
        });
        for (var i = 0; i < BigValues; i++)
        {
            var got = await followerClient.GetAsync(BigKey(i), stale: true, ct);
            got.Status.Should().Be(ClientStatus.Ok);
            got.Value!.Value.GetString().Should().Be(BigValue(i).GetString(), $"{BigKey(i)} on the restored follower");
        }
        foreach (var n in acknowledged)
        {
            var got = await followerClient.GetAsync($"w-{n}", stale: true, ct);
            got.Status.Should().Be(ClientStatus.Ok);
            got.Value!.Value.GetInt64().Should().Be(n, $"acknowledged write w-{n} on the restored follower");
        }
        for (var id = 0; id < cluster.Count; id++) cluster.Node(id).IsRunning.Should().BeTrue($"node {id} must not exit");
    }, SmallFrames, deadline: TimeSpan.FromSeconds(240));

    private static int Count(List<long> list)
    {
        lock (list) return list.Count;
    }

    private static string BigKey(int i) => $"big-{i:000}";

    private static JsonElement BigValue(int i)
    {
        var text = $"{i:000}-" + new string((char)('a' + (i % 26)), BigValueChars);
        return JsonSerializer.SerializeToElement(text);
    }
}
