using RaftKv.Testing.Processes;
using Xunit.Abstractions;
using static RaftKv.Http.Tests.HttpClusterRun;

namespace RaftKv.Http.Tests;

/// <summary>Three terminals tell the story: node logs say who campaigned, who voted for whom, who won and why a leader stepped down.</summary>
[Collection(HttpCollection.Name)]
public sealed class NodeLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly LocalClusterOptions NoHttp = new() { ExtraArguments = ["--http", "none"] };

    [Fact]
    public Task After_the_leader_dies_the_logs_say_who_campaigned_who_voted_for_it_and_who_won() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var old = await cluster.WaitForLeaderAsync(Patience, ct);
        await cluster.KillAsync(old.Id, ct);
        var next = await cluster.WaitForLeaderAsync(Patience, ct, except: [old.Id]);
        var voter = Enumerable.Range(0, cluster.Count).Single(i => i != old.Id && i != next.Id);

        await cluster.WaitForLogAsync(next.Id, $"Became leader in term {next.Term}", Patience, ct);
        cluster.NodeLog(next.Id).Should().Contain($"Became candidate in term {next.Term}; requesting votes");
        await cluster.WaitForLogAsync(voter, $"Voted for node {next.Id} in term {next.Term}", Patience, ct);
        await cluster.WaitForLogAsync(voter, $"Leader is node {next.Id} ({cluster.Addresses[next.Id]}) in term {next.Term}", Patience, ct);
    }, NoHttp);

    [Fact]
    public Task A_paused_leader_that_wakes_in_an_old_term_says_why_it_stepped_down() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var old = await cluster.WaitForLeaderAsync(Patience, ct);
        cluster.Pause(old.Id);
        var next = await cluster.WaitForLeaderAsync(Patience, ct, except: [old.Id]);
        cluster.Resume(old.Id);

        await cluster.WaitForLogAsync(old.Id, $"Stepped down as leader of term {old.Term}: saw term", Patience, ct);
        cluster.NodeLog(old.Id).Should().Contain("newer than its own");
        next.Term.Should().BeGreaterThan(old.Term);
    }, NoHttp);

    [Fact]
    public Task A_leader_handing_over_on_ctrl_c_says_so_and_its_peers_log_the_clean_close_at_info() => WithClusterAsync(output, async (cluster, http, ct) =>
    {
        var old = await cluster.WaitForLeaderAsync(Patience, ct);
        cluster.Interrupt(old.Id);
        (await cluster.Node(old.Id).WaitForExitAsync(cluster.Options.StopTimeout, ct)).Should().Be(0);
        var next = await cluster.WaitForLeaderAsync(Patience, ct, except: [old.Id]);

        cluster.NodeLog(old.Id).Should().Contain($"Stepped down as leader of term {old.Term}: handed leadership to node {next.Id}");
        await cluster.WaitForLogAsync(next.Id, $"Peer {old.Id} at {cluster.Addresses[old.Id]} closed the connection", Patience, ct);
        var line = cluster.NodeLog(next.Id).Split('\n').First(l => l.Contains($"Peer {old.Id} at", StringComparison.Ordinal) && l.Contains("closed the connection", StringComparison.Ordinal));
        line.Should().Contain(" INFO ", "a peer's clean shutdown is news, not a warning");
        cluster.NodeLog(next.Id).Should().NotContain($"Lost connection to peer {old.Id}");
    }, NoHttp);
}
