using System.Runtime.CompilerServices;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Disaster recovery (issue 9; README "Disaster recovery"): raftctl snapshot save streams a backup from the leader;
/// after every node's data directory is gone, raftnode --restore seeds each node of a new cluster from it, and every
/// key of the backup is back.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BackupRestoreTests(ITestOutputHelper output)
{
    [Fact]
    public Task Backup_then_wipe_every_node_then_restore_brings_every_key_back()
    {
        var restoreFrom = new StrongBox<string?>();
        var options = new LocalClusterOptions
        {
            ExtraArguments = ["--snapshot-entries", "30"],
            NodeArguments = _ => restoreFrom.Value is { } file ? ["--restore", file] : [],
        };
        return ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
        {
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            var written = new Dictionary<string, string>();
            await using (var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(30)))
            {
                for (var i = 0; i < 60; i++)
                {
                    // Three values of 600 KiB make the backup span several 1 MiB chunks.
                    var value = i % 20 == 0 ? $"big-{i}-" + new string('v', 600 << 10) : $"value-{i}";
                    (await client.SetAsync($"key-{i}", JsonSerializer.SerializeToElement(value), ct)).Status.Should().Be(ClientStatus.Ok);
                    written[$"key-{i}"] = value;
                }
            }

            var backup = Path.Combine(cluster.RootDirectory, "backup.snap");
            var saved = await Raftctl.RunAsync(cluster, ct, "snapshot", "save", backup);
            saved.ExitCode.Should().Be(0, saved.ToString());
            saved.StandardOutput.Should().Contain("saved snapshot at index").And.Contain("crc64");
            new FileInfo(backup).Length.Should().BeGreaterThan(1_800_000);
            File.Exists(backup + ".partial").Should().BeFalse();

            await using (var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(30)))
                (await client.SetAsync("after-the-backup", JsonSerializer.SerializeToElement(1), ct)).Status.Should().Be(ClientStatus.Ok);

            for (var id = 0; id < cluster.Count; id++) await cluster.KillAsync(id, ct);
            for (var id = 0; id < cluster.Count; id++) Directory.Delete(cluster.DataDirectory(id), recursive: true);

            restoreFrom.Value = backup;
            for (var id = 0; id < cluster.Count; id++) cluster.Start(id);
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct);
            for (var id = 0; id < cluster.Count; id++) cluster.NodeLog(id).Should().Contain("seeded");

            await using var restored = cluster.CreateClient(timeout: TimeSpan.FromSeconds(30));
            foreach (var (key, value) in written)
            {
                var got = await restored.GetAsync(key, stale: false, ct);
                got.Status.Should().Be(ClientStatus.Ok, $"{key} must be back after the restore");
                got.Value!.Value.GetString().Should().Be(value, key);
            }
            (await restored.GetAsync("after-the-backup", stale: false, ct)).Status.Should().Be(ClientStatus.NotFound,
                "the cluster was rebuilt from the backup alone");
            (await restored.SetAsync("after-the-restore", JsonSerializer.SerializeToElement(2), ct)).Status.Should().Be(ClientStatus.Ok,
                "the restored cluster takes writes");
        }, options, deadline: TimeSpan.FromSeconds(180));
    }
}
