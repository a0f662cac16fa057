using System.Text.RegularExpressions;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Damage to a node's log on disk (DESIGN.md "Storage"): a torn write at the very tail is cut off and
/// said in the log, and the node catches up; damage anywhere else stops the node with exit code 1 and
/// the file and offset, and the rest of the cluster goes on.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class StorageDamageTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_torn_tail_record_is_cut_off_and_logged_and_the_node_catches_up() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var (follower, client) = await WriteThenKillFollowerAsync(cluster, ct);
        await using var _ = client;
        var segment = WalSegment.List(cluster.DataDirectory(follower))[^1];
        var length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write)) file.SetLength(length - 3);
        output.WriteLine($"cut 3 bytes off {segment} ({length} bytes)");

        // The leader goes on meanwhile, so the restarted node has something to catch up on.
        for (var i = 0; i < 10; i++) (await client.SetAsync($"later-{i}", Json.Number(i), ct)).Status.Should().Be(ClientStatus.Ok);

        var mark = cluster.Node(follower).Output.LineCount;
        cluster.Start(follower);
        await NodeReads.WaitUntilCaughtUpAsync(cluster, follower, TimeSpan.FromSeconds(30), ct);
        cluster.Node(follower).Output.LinesSince(mark).Should().Contain(
            l => l.Contains("torn write cut", StringComparison.Ordinal) && l.Contains(Path.GetFileName(segment), StringComparison.Ordinal),
            "the node must say in its log that it cut a torn write off the end of its log, and where");

        var values = await NodeReads.ReadAllStaleAsync(cluster, follower, ct);
        for (var i = 0; i < 20; i++) values.Should().ContainKey($"key-{i}");
        for (var i = 0; i < 10; i++) values.Should().ContainKey($"later-{i}");
    });

    [Fact]
    public Task A_flipped_bit_in_a_middle_record_stops_the_node_with_exit_code_1_naming_file_and_offset() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var (follower, client) = await WriteThenKillFollowerAsync(cluster, ct);
        await using var _ = client;
        var segment = WalSegment.List(cluster.DataDirectory(follower))
            .Select(WalSegment.Read)
            .Last(s => s.Records.Count >= 6);
        // A record of the middle, well before the last batch: not something a crash can have torn.
        var lastBatchStart = segment.Records.Take(segment.Records.Count - 1).Last(r => r.EndsBatch).End;
        var victim = segment.Records.Where(r => r.End <= lastBatchStart && r.PayloadLength > 0).ElementAt(segment.Records.Count / 2 - 1);
        var flipped = victim.Offset + WalSegment.HeaderBytes + victim.PayloadLength / 2;
        var bytes = await File.ReadAllBytesAsync(segment.Path, ct);
        bytes[flipped] ^= 0x10;
        await File.WriteAllBytesAsync(segment.Path, bytes, ct);
        output.WriteLine($"flipped a bit at byte {flipped} of {segment.Path} (record at {victim.Offset}, type {victim.Type})");

        var mark = cluster.Node(follower).Output.LineCount;
        cluster.Start(follower);
        var exitCode = await cluster.Node(follower).WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        exitCode.Should().Be(1, "corrupt storage is a fatal error");

        var said = string.Join('\n', cluster.Node(follower).Output.LinesSince(mark));
        said.Should().Contain(segment.Path, "the error must name the damaged file");
        var offset = OffsetPattern().Match(said);
        offset.Success.Should().BeTrue($"the error must name the byte offset: {said}");
        long.Parse(offset.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeInRange(victim.Offset - 4096, flipped, "the offset named is that of the damaged record (or its batch)");

        // The other two still make a majority.
        (await client.SetAsync("still-serving", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok);
        (await client.GetAsync("key-3", stale: false, ct)).Status.Should().Be(ClientStatus.Ok);
    });

    /// <summary>Writes key-0..key-19 one by one (a batch each), waits until a follower has them all, and kills it.</summary>
    private static async Task<(int Follower, RaftKv.Client.RaftClient Client)> WriteThenKillFollowerAsync(LocalCluster cluster, CancellationToken ct)
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var client = cluster.CreateClient();
        for (var i = 0; i < 20; i++) (await client.SetAsync($"key-{i}", Json.Number(i), ct)).Status.Should().Be(ClientStatus.Ok);
        var follower = (leader.Id + 1) % cluster.Count;
        await NodeReads.WaitUntilCaughtUpAsync(cluster, follower, TimeSpan.FromSeconds(20), ct);
        await cluster.KillAsync(follower, ct);
        return (follower, client);
    }

    [GeneratedRegex(@"at byte offset (\d+)")]
    private static partial Regex OffsetPattern();
}
