using System.Diagnostics;
using System.Text;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>The scripts of docs/RECIPES.md, run as a user would run them, against a real cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RecipeTests(ITestOutputHelper output)
{
    private static string Recipe(string name) => Path.Combine(Binaries.RepositoryRoot, "docs", "recipes", name);

    /// <summary>A recipe script running in the background, with RAFTCTL pointing at this repository's raftctl and the cluster.</summary>
    private sealed class Script : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public Script(LocalCluster cluster, string script, IReadOnlyDictionary<string, string> environment, params string[] arguments)
        {
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(script);
            foreach (var a in arguments) info.ArgumentList.Add(a);
            var (fileName, prefix) = Binaries.RaftctlCommand;
            info.Environment["RAFTCTL"] = string.Join(' ', [fileName, .. prefix, "--servers", cluster.ServersFile, "--timeout", "20"]);
            foreach (var (k, v) in environment) info.Environment[k] = v;
            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output { get { lock (_output) return _output.ToString(); } }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public Task WaitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

        /// <summary>kill -9 of the script and everything it started (its keepalive included): the lease is left to expire.</summary>
        public void Kill() => _process.Kill(entireProcessTree: true);

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    [Fact]
    public Task The_lock_recipe_lets_one_holder_at_a_time_run_its_critical_section() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var journal = Path.Combine(cluster.RootDirectory, "journal.txt");
        var holders = Enumerable.Range(0, 3).Select(i => new Script(cluster, Recipe("lock.sh"), new Dictionary<string, string>(),
            "demo", "bash", "-c", $"echo {i} in >> {journal}; sleep 1; echo {i} out >> {journal}")).ToList();
        try
        {
            foreach (var h in holders) await h.WaitAsync(ct);
            foreach (var h in holders) h.ExitCode.Should().Be(0, h.Output);

            var lines = await File.ReadAllLinesAsync(journal, ct);
            output.WriteLine(string.Join(" | ", lines));
            lines.Should().HaveCount(6);
            for (var i = 0; i < lines.Length; i += 2)
            {
                var who = lines[i].Split(' ')[0];
                lines[i].Should().Be($"{who} in");
                lines[i + 1].Should().Be($"{who} out", "no one may enter while another holds the lock");
            }
            var after = await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "get", "locks/demo");
            after.ExitCode.Should().Be(1, "the last holder released the lock");
        }
        finally
        {
            foreach (var h in holders) h.Dispose();
        }
    });

    [Fact]
    public Task The_election_recipe_elects_one_candidate_and_the_next_when_the_leader_dies() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        // Each raftctl run starts a .NET process; on a loaded machine that takes seconds, so the TTL leaves room for it.
        var ttl = new Dictionary<string, string> { ["ELECTION_TTL"] = "6" };
        using var alice = new Script(cluster, Recipe("election.sh"), ttl, "web", "alice");
        await Wait.UntilAsync(() => Task.FromResult(alice.Output.Contains("elected: alice", StringComparison.Ordinal)), "alice to be elected", TimeSpan.FromSeconds(30), ct);
        using var bob = new Script(cluster, Recipe("election.sh"), ttl, "web", "bob");

        // Bob campaigns but must not win while alice keeps her lease alive.
        var watch = await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "get", "elections/web");
        watch.StandardOutput.Should().Be("\"alice\"\n");
        await Wait.UntilAsync(async () => (await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "lease", "list")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2,
            $"bob's lease (he is campaigning); alice: {alice.Output}; bob: {bob.Output}", TimeSpan.FromSeconds(30), ct);
        bob.Output.Should().NotContain("elected", "only one candidate leads at a time");

        alice.Kill();
        await Wait.UntilAsync(() => Task.FromResult(bob.Output.Contains("elected: bob", StringComparison.Ordinal)), "bob to be elected after alice died", TimeSpan.FromSeconds(30), ct);
        (await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "get", "elections/web")).StandardOutput.Should().Be("\"bob\"\n");
        bob.HasExited.Should().BeFalse(bob.Output);
    });
}
