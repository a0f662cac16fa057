using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using RaftKv.Testing.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Exactly-once under session churn, against real raftnode processes (issue 8, "Exactly-once for good").
/// Client C writes x=1 (session C, seq 1), D writes x=2, then many one-shot clients each register a
/// session and write once (as every raftctl run does), then C's first write arrives again: a late retry
/// with the same session and seq, as the protocol allows. C's session has expired by then, and the
/// retry must be refused as sessionExpired, never applied: x stays 2, on every node, before and after
/// the whole cluster restarts from its snapshots and log.
/// </summary>
/// <remarks>
/// The clients speak the raw protocol of docs/PROTOCOL.md (register, then write with session and seq)
/// so that the late retry is byte for byte the request C first sent. The long variant, with 1,000,000
/// one-shot sessions, runs when <c>RAFTKV_LATE_RETRY_SESSIONS</c> names the count (for example
/// <c>RAFTKV_LATE_RETRY_SESSIONS=1000000 dotnet test tests/RaftKv.Cluster.Tests -c Release --filter LateRetry</c>);
/// <c>RAFTKV_LATE_RETRY_CLIENTS</c> sets how many one-shot clients run at once (default 32).
/// </remarks>
[Collection(ClusterCollection.Name)]
public sealed class LateRetryTests(ITestOutputHelper output)
{
    private const string SessionsVariable = "RAFTKV_LATE_RETRY_SESSIONS";
    private const string ClientsVariable = "RAFTKV_LATE_RETRY_CLIENTS";

    // Snapshots every few thousand entries: the session table must come back from them after the restart.
    private static readonly LocalClusterOptions Compacting = new() { ExtraArguments = ["--snapshot-entries", "5000"] };

    [Fact]
    public Task A_late_retry_after_12000_one_shot_sessions_is_refused_and_x_stays_2() =>
        RunAsync(12_000, TimeSpan.FromMinutes(10));

    [SkippableFact]
    public Task A_late_retry_after_the_sessions_named_by_RAFTKV_LATE_RETRY_SESSIONS_is_refused_and_x_stays_2()
    {
        var text = Environment.GetEnvironmentVariable(SessionsVariable);
        Skip.If(string.IsNullOrEmpty(text), $"the long variant runs only when {SessionsVariable} names the count of one-shot sessions (for example 1000000)");
        var count = int.Parse(text!, CultureInfo.InvariantCulture);
        // About 2 entries per session, at a few thousand entries a second on a loaded machine, plus margin.
        return RunAsync(count, TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(count * 2.0));
    }

    [Fact]
    public Task Writes_naming_no_registered_session_are_refused_and_never_applied() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await using var leader = new LeaderConnection(cluster);
        var session = await leader.RegisterAsync(ct);

        var unregistered = await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "k", Value = Json.Number(1), Session = session + 1000, Seq = 1 }, ct);
        var retired = await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "k", Value = Json.Number(2), ClientId = "old-client", Seq = 1 }, ct);
        var seqAlone = await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "k", Value = Json.Number(3), Seq = 1 }, ct);
        var noSeq = await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "k", Value = Json.Number(4), Session = session }, ct);

        unregistered.Status.Should().Be(ClientStatus.SessionExpired, unregistered.Error);
        retired.Status.Should().Be(ClientStatus.BadRequest);
        retired.Error.Should().Contain("clientId is retired");
        seqAlone.Status.Should().Be(ClientStatus.BadRequest);
        noSeq.Status.Should().Be(ClientStatus.BadRequest);
        await using var client = cluster.CreateClient();
        (await client.GetAsync("k", stale: false, ct)).Status.Should().Be(ClientStatus.NotFound, "none of them was applied");
        var ok = await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "k", Value = Json.Number(5), Session = session, Seq = 1 }, ct);
        ok.Status.Should().Be(ClientStatus.Ok, "the registered session works");
        ok.Index.Should().BeGreaterThan(session);
    });

    private Task RunAsync(int oneShotSessions, TimeSpan deadline) => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await using var leader = new LeaderConnection(cluster);

        var c = await leader.RegisterAsync(ct);
        var d = await leader.RegisterAsync(ct);
        var first = new ClientRequest { Op = ClientOp.Set, Key = "x", Value = Json.Number(1), Session = c, Seq = 1 };
        (await leader.SendAsync(first, ct)).Status.Should().Be(ClientStatus.Ok);
        (await leader.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "x", Value = Json.Number(2), Session = d, Seq = 1 }, ct))
            .Status.Should().Be(ClientStatus.Ok);

        var clock = Stopwatch.StartNew();
        await ChurnAsync(cluster, oneShotSessions, ct);
        output.WriteLine($"{oneShotSessions} one-shot sessions (register + set each) in {clock.Elapsed.TotalSeconds:0.0} s");

        var retry = await leader.SendAsync(first, ct);

        retry.Status.Should().Be(ClientStatus.SessionExpired, $"C's session expired long ago and its retry must not be applied ({retry.Error})");
        retry.Index.Should().BeNull("nothing was applied");
        await ExpectXIs2OnEveryNodeAsync(cluster, ct);

        // Replay: every node rebuilds its state from its snapshot and log, and must come to the same answer.
        for (var id = 0; id < cluster.Count; id++) await cluster.KillAsync(id, ct);
        for (var id = 0; id < cluster.Count; id++) cluster.Start(id);
        await using var again = new LeaderConnection(cluster);
        await ExpectXIs2OnEveryNodeAsync(cluster, ct);
        (await again.SendAsync(first, ct)).Status.Should().Be(ClientStatus.SessionExpired, "the restarted cluster knows C's session expired");
        (await again.SendAsync(new ClientRequest { Op = ClientOp.Set, Key = "x", Value = Json.Number(3), Session = d, Seq = 1 }, ct))
            .Status.Should().Be(ClientStatus.SessionExpired, "D's session expired too");
    }, Compacting, deadline: deadline);

    /// <summary>
    /// <paramref name="count"/> one-shot clients, a few at a time: each registers a session and writes once
    /// through it, and is never heard of again.
    /// </summary>
    private static async Task ChurnAsync(LocalCluster cluster, int count, CancellationToken ct)
    {
        var next = -1;
        var clients = int.TryParse(Environment.GetEnvironmentVariable(ClientsVariable), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 32;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var connection = new LeaderConnection(cluster);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var session = await connection.RegisterAsync(ct);
                var write = new ClientRequest { Op = ClientOp.Set, Key = $"churn-{i % 100}", Value = Json.Number(i), Session = session, Seq = 1 };
                var response = await connection.SendAsync(write, ct);
                response.Status.Should().Be(ClientStatus.Ok, $"one-shot write {i} ({response.Error})");
            }
        }));
    }

    private static async Task ExpectXIs2OnEveryNodeAsync(LocalCluster cluster, CancellationToken ct)
    {
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(30));
        var x = await client.GetAsync("x", stale: false, ct);
        x.Status.Should().Be(ClientStatus.Ok);
        x.Value!.Value.GetInt32().Should().Be(2, "the late retry of x=1 must not be applied");
        for (var id = 0; id < cluster.Count; id++)
        {
            await NodeReads.WaitUntilCaughtUpAsync(cluster, id, TimeSpan.FromSeconds(60), ct);
            var mine = await NodeReads.ReadAllStaleAsync(cluster, id, ct);
            mine["x"].GetInt32().Should().Be(2, $"node {id} applied the same log and must agree");
        }
    }

    /// <summary>
    /// One connection to whoever leads, as a client written from PROTOCOL.md would keep: a request answered
    /// notLeader or unavailable is sent again (same session and seq, new id) to the leader named in the
    /// answer, or to the next node, until it gets an answer that settles it.
    /// </summary>
    private sealed class LeaderConnection(LocalCluster cluster) : IAsyncDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
        private RawConnection? _connection;
        private int _node;
        private long _nextId;

        public async Task<long> RegisterAsync(CancellationToken ct)
        {
            var response = await SendAsync(new ClientRequest { Op = ClientOp.Register }, ct);
            response.Status.Should().Be(ClientStatus.Ok, response.Error);
            return response.Session ?? throw new InvalidDataException("a register was answered without a session id");
        }

        public async Task<ClientResponse> SendAsync(ClientRequest request, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    _connection ??= await RawConnection.ConnectAsync(cluster.Addresses[_node], hello: true, ct);
                    var response = await _connection.RequestAsync(request with { Id = ++_nextId }, ct);
                    if (response.Status is not (ClientStatus.NotLeader or ClientStatus.Unavailable)) return response;
                    await SwitchAsync(response.LeaderId is int leader && leader != _node ? leader : (_node + 1) % cluster.Count);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException && !ct.IsCancellationRequested)
                {
                    await SwitchAsync((_node + 1) % cluster.Count);
                }
                if (clock.Elapsed > Patience) throw new TimeoutException($"no leader answered {request.Op} within {Patience.TotalSeconds} s");
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            }
        }

        private async Task SwitchAsync(int node)
        {
            if (_connection is not null) await _connection.DisposeAsync();
            _connection = null;
            _node = node;
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null) await _connection.DisposeAsync();
        }
    }
}
