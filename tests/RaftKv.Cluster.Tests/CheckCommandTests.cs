using RaftKv.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary><c>raftctl check</c> against a real cluster: its default mix includes compare-and-set and transactions, and the checker judges them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckCommandTests(ITestOutputHelper output)
{
    [Fact]
    public Task Check_mixes_compare_and_set_and_transactions_and_finds_a_real_cluster_linearizable() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);

        // Two keys and six clients: guarded writes race, so some must find their condition failed.
        var result = await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "check", "--duration", "2", "--clients", "6", "--keys", "2", "--prefix", "chk/", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        var verdict = Json.Parse(result.StandardOutput);
        output.WriteLine(result.StandardOutput);
        verdict.GetProperty("linearizable").GetBoolean().Should().BeTrue();
        verdict.GetProperty("compareAndSet").GetInt32().Should().BePositive("cas is in the default mix");
        verdict.GetProperty("txn").GetInt32().Should().BePositive("txn is in the default mix");
        verdict.GetProperty("conditionFailed").GetInt32().Should().BePositive("racing guarded writes must sometimes lose");
        (await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "get", "--prefix", "chk/", "--count-only")).StandardOutput.Should().Be("0\n", "check deletes its scratch keys");
    });
}
