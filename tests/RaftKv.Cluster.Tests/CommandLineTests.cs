using RaftKv.Cluster.Tests.Support;
using RaftKv.Testing.Processes;

namespace RaftKv.Cluster.Tests;

/// <summary>raftnode refuses a bad command line with exit code 2 and usage text, before touching any data.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("no id", "")]
    [InlineData("id not a number", "zero")]
    [InlineData("id out of range", "3")]
    [InlineData("negative id", "-1")]
    [InlineData("missing servers file", "0 --servers nowhere.txt")]
    [InlineData("malformed servers file", "0 --servers bad.txt")]
    [InlineData("unknown option", "0 --frobnicate")]
    [InlineData("negative snapshot write rate", "0 --snapshot-write-rate -1")]
    [InlineData("snapshot write rate not a number", "0 --snapshot-write-rate fast")]
    public async Task Raftnode_exits_2_with_usage_on_a_bad_command_line(string problem, string arguments)
    {
        var dir = Directory.CreateTempSubdirectory("raftkv-cmdline-");
        try
        {
            var ports = LocalCluster.FreeLoopbackPorts(3);
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "servers.txt"), string.Join('\n', ports.Select(p => $"127.0.0.1:{p}")));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "bad.txt"), $"127.0.0.1:{ports[0]}\nnot an address\n");
            using var deadline = new CancellationTokenSource(ClusterRun.DefaultDeadline);

            var result = await Binaries.RunRaftnodeAsync(
                arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), TimeSpan.FromSeconds(30), deadline.Token, dir.FullName);

            result.ExitCode.Should().Be(2, $"{problem}: {result}");
            result.StandardError.Should().Contain("usage", $"{problem}: raftnode should point to its usage");
            result.StandardError.Should().StartWith("raftnode: ", "the first line says what is wrong");
            Directory.Exists(Path.Combine(dir.FullName, "data")).Should().BeFalse($"{problem}: nothing is created on a usage error");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
