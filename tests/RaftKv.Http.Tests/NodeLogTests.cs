using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
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
        for (var id = 0; id < cluster.Count; id++) EveryMessageIsASentence(cluster.NodeLog(id), id);
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
        for (var id = 0; id < cluster.Count; id++) EveryMessageIsASentence(cluster.NodeLog(id), id);
    }, NoHttp);

    /// <summary>
    /// NO_COLOR (https://no-color.org): on a terminal (a pseudo-terminal made by util-linux's <c>script</c>) a
    /// critical line's level is red; with NO_COLOR set the same run prints no colour sequence at all.
    /// </summary>
    [SkippableFact]
    public async Task On_a_terminal_the_level_is_coloured_unless_NO_COLOR_is_set()
    {
        const string Script = "/usr/bin/script";
        Skip.IfNot(File.Exists(Script), $"{Script} (util-linux) is not installed, so no pseudo-terminal can be made for raftnode");
        using var deadline = new CancellationTokenSource(Patience * 2);
        var dir = Directory.CreateTempSubdirectory("raftkv-nocolor-");
        using var busy = new TcpListener(IPAddress.Loopback, 0); // raftnode's port is taken: it logs a critical line and exits
        busy.Start();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "servers.txt"), $"127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port}\n", deadline.Token);
            var raftnode = $"'{Binaries.DotnetHost}' '{Binaries.RaftnodeDll}' 0 --http none";
            var coloured = await ProcessRunner.RunAsync(Script, ["-qfec", $"env -u NO_COLOR {raftnode}", "/dev/null"], dir.FullName, Patience, deadline.Token);
            var plain = await ProcessRunner.RunAsync(Script, ["-qfec", $"env NO_COLOR=1 {raftnode}", "/dev/null"], dir.FullName, Patience, deadline.Token);

            coloured.StandardOutput.Should().Contain("Cannot start:", coloured.ToString());
            coloured.StandardOutput.Should().Contain("\u001b[1;31mCRIT\u001b[0m", "on a terminal without NO_COLOR the level is coloured");
            plain.StandardOutput.Should().Contain("CRIT  Cannot start:", plain.ToString());
            Regex.IsMatch(plain.StandardOutput, @"\u001b\[[0-9;]*m").Should().BeFalse($"NO_COLOR turns every colour off:\n{plain.StandardOutput}");
        }
        finally
        {
            busy.Stop();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Every log line's message (after "HH:mm:ss.fff node N LEVEL  ") starts with a capital letter.</summary>
    private static void EveryMessageIsASentence(string log, int id)
    {
        var lines = log.Split('\n').Select(l => l.TrimEnd('\r'))
            .Select(l => Regex.Match(l, @"^\d\d:\d\d:\d\d\.\d{3} node \d+ [A-Z]{4}  (.*)$"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToList();
        lines.Should().NotBeEmpty($"node {id} logged something");
        lines.Should().OnlyContain(m => m.Length > 0 && char.IsUpper(m[0]), $"node {id}'s log lines are sentences:\n{log}");
    }
}
