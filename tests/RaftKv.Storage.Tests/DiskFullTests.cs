using RaftKv.Storage.Tests.Support;
using Xunit.Abstractions;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

public sealed class DiskFullTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void A_full_disk_fails_the_save_with_StorageFullException_and_loses_nothing_acknowledged()
    {
        using var disk = TmpfsMount.TryMount("1m", out var reason);
        if (disk is null)
        {
            output.WriteLine($"skipped: {reason}");
        }
        Skip.If(disk is null, reason);

        var directory = Path.Combine(disk!.Path, "node");
        var filler = Path.Combine(disk.Path, "filler");
        File.WriteAllBytes(filler, new byte[128 * 1024]);
        var options = new StorageOptions { SegmentBytes = 64 * 1024 };
        long acknowledged = 0;
        using (var storage = RaftStorage.Open(directory, Cluster, Node, options))
        {
            storage.Save(Hard(1, 0), [], null);
            StorageFullException? full = null;
            while (full is null && acknowledged < 2000)
            {
                var next = acknowledged + 1;
                try
                {
                    storage.Save(Hard(1, acknowledged), Entries(next, next, 1, padding: 3000), null);
                    acknowledged = next;
                }
                catch (StorageFullException e)
                {
                    full = e;
                }
            }

            full.Should().NotBeNull("a 1 MiB disk fills up long before 2000 entries of 3 KB");
            output.WriteLine($"disk full after {acknowledged} entries: {full!.Message}");
            storage.LastIndex.Should().Be(acknowledged, "the failed batch changed nothing in memory");
            storage.Load().Entries.Should().HaveCount((int)acknowledged);

            // Once space is freed, the same storage carries on.
            File.Delete(filler);
            storage.Save(Hard(1, acknowledged), Entries(acknowledged + 1, acknowledged + 1, 1, padding: 3000), null);
            acknowledged++;
        }

        using var reopened = RaftStorage.Open(directory, Cluster, Node, options);
        var state = reopened.Load();
        state.Entries.Should().HaveCount((int)acknowledged);
        state.Entries[^1].Data.Should().Equal(Data(acknowledged, 1, padding: 3000));
        state.HardState.Should().Be(Hard(1, acknowledged - 1));
        reopened.Recovery.IsClean.Should().BeTrue("the failed write was rolled back, not left torn");
    }
}
