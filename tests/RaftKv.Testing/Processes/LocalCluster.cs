using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Testing.Processes;

/// <summary>
/// A cluster of real raftnode processes on loopback, for process and fault tests.
/// </summary>
/// <remarks>
/// <para>Each cluster has its own temp directory holding the servers file(s), one data directory per
/// node and one log file per node; free ports are found by binding port 0. Every node gets the same
/// <c>--cluster-id</c>, so nodes may be given different servers files (<see cref="SetServers"/>): node
/// i's file must list its own real address on line i, and any address (a fault-injecting proxy, say)
/// for the others.</para>
/// <para>Two ways to start: <see cref="StartAsync(LocalClusterOptions?, CancellationToken)"/> starts every
/// node at once; <see cref="Create"/> only picks ports and writes files, so a test can put proxies in
/// place with <see cref="SetServers"/> before <see cref="StartAllAsync"/>.</para>
/// <para><see cref="DisposeAsync"/> SIGKILLs every node still running (also paused ones) and deletes
/// the directory; processes are also killed when the test process exits.</para>
/// </remarks>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly NodeProcess[] _nodes;
    private readonly OutputLog[] _outputs;
    private readonly string[] _addresses;
    private readonly string[] _serversFiles;
    private readonly int[] _httpPorts;
    private RaftClient _statusClient;
    private int _statusClientResets;

    /// <summary>Why each node's last status poll got no status (for failure messages), by node id.</summary>
    private readonly string?[] _statusFailures;

    /// <summary>Status polls in a row that a running node did not answer, by node id.</summary>
    private readonly int[] _statusMisses;
    private int _disposed;

    private LocalCluster(LocalClusterOptions options)
    {
        options.Validate();
        _options = options;
        RootDirectory = Path.Combine(Path.GetTempPath(), "raftkv-cluster-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(RootDirectory);
        ClusterId = "test-" + Guid.NewGuid().ToString("N")[..12];

        // Client and HTTP ports are picked together so that they all differ.
        var ports = FreeLoopbackPorts(options.NodeCount * (options.Http ? 2 : 1));
        _addresses = options.Addresses?.ToArray() ?? ports.Take(options.NodeCount).Select(p => $"127.0.0.1:{p}").ToArray();
        _httpPorts = ports.Skip(options.NodeCount).ToArray();
        ServersFile = Path.Combine(RootDirectory, "servers.txt");
        BootstrapCount = options.BootstrapCount ?? options.NodeCount;
        WriteServersFile(ServersFile, _addresses[..BootstrapCount]);
        _serversFiles = Enumerable.Repeat(ServersFile, options.NodeCount).ToArray();

        _outputs = new OutputLog[options.NodeCount];
        _nodes = new NodeProcess[options.NodeCount];
        for (var i = 0; i < options.NodeCount; i++)
        {
            var id = i;
            Directory.CreateDirectory(Path.Combine(RootDirectory, "data"));
            _outputs[i] = new OutputLog(Path.Combine(RootDirectory, $"node-{i}.log"), options.OutputTailLines);
            _nodes[i] = new NodeProcess(i, () => ArgumentsFor(id), RootDirectory, _outputs[i], options.Environment, options.NetworkNamespace?.Invoke(i));
        }

        // Status polls must fail fast: a dead or paused node must not hold up WaitForLeaderAsync.
        _statusFailures = new string?[options.NodeCount];
        _statusMisses = new int[options.NodeCount];
        _statusClient = NewStatusClient();
    }

    private RaftClient NewStatusClient() => new(new RaftClientOptions
    {
        Servers = _addresses,
        Timeout = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromMilliseconds(500),
        Tls = _options.ClientTls,
    });

    /// <summary>
    /// A CI run once saw every poll of four healthy nodes fail for 90 s while a fifth answered (WatchFaultTests): if the
    /// status client's connections are what is stuck, a new client with new connections gets past it, and failure
    /// messages say whether it did (the reset count below, beside each node's last failure).
    /// </summary>
    private async Task ResetStatusClientAsync(RaftClient stuck)
    {
        var fresh = NewStatusClient();
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _statusClient, fresh, stuck), stuck))
        {
            // Another poll replaced it first.
            await fresh.DisposeAsync().ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref _statusClientResets);
        Array.Clear(_statusMisses);
        await stuck.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>How many nodes servers.txt lists; nodes with higher ids join (see <see cref="LocalClusterOptions.BootstrapCount"/>).</summary>
    public int BootstrapCount { get; }

    /// <summary>Picks ports and writes the files; starts nothing (see <see cref="StartAllAsync"/>).</summary>
    public static LocalCluster Create(LocalClusterOptions? options = null) => new(options ?? new LocalClusterOptions());

    /// <summary>Creates the cluster and starts every node (does not wait for a leader: see <see cref="WaitForLeaderAsync"/>).</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions? options, CancellationToken cancellationToken)
    {
        var cluster = Create(options);
        try
        {
            await cluster.StartAllAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public LocalClusterOptions Options => _options;

    public int Count => _nodes.Length;

    /// <summary>The cluster's temp directory (servers files, data, logs).</summary>
    public string RootDirectory { get; }

    /// <summary>The --cluster-id every node gets.</summary>
    public string ClusterId { get; }

    /// <summary>Each node's real listening address (host:port), by node id.</summary>
    public IReadOnlyList<string> Addresses => _addresses;

    /// <summary>The servers file listing every node's real address: the one for clients and raftctl.</summary>
    public string ServersFile { get; }

    /// <summary>The servers file node <paramref name="id"/> starts with (<see cref="ServersFile"/> unless <see cref="SetServers"/> changed it).</summary>
    public string ServersFileOf(int id) => _serversFiles[Check(id)];

    /// <summary>Node <paramref name="id"/>'s dashboard (with <see cref="LocalClusterOptions.Http"/>), for example http://127.0.0.1:41234/.</summary>
    public Uri HttpUrl(int id) => _options.Http
        ? new Uri($"http://127.0.0.1:{_httpPorts[Check(id)]}/")
        : throw new InvalidOperationException("the cluster was started without HTTP (LocalClusterOptions.Http)");

    /// <summary>Node <paramref name="id"/>'s data directory (it exists once the node has started).</summary>
    public string DataDirectory(int id) => Path.Combine(RootDirectory, "data", $"node-{Check(id)}");

    /// <summary>Node <paramref name="id"/>: its process, signals and output.</summary>
    public NodeProcess Node(int id) => _nodes[Check(id)];

    /// <summary>The last lines node <paramref name="id"/> printed (every incarnation).</summary>
    public string NodeLog(int id) => _outputs[Check(id)].Tail();

    /// <summary>The file holding everything node <paramref name="id"/> printed.</summary>
    public string NodeLogFile(int id) => _outputs[Check(id)].Path;

    /// <summary>
    /// Gives node <paramref name="id"/> its own servers file, e.g. with a proxy's address in place of a
    /// peer. <paramref name="addresses"/>[<paramref name="id"/>] must be the node's real address (it
    /// listens there); the others are where it dials each peer. Takes effect at the node's next start.
    /// </summary>
    public void SetServers(int id, IReadOnlyList<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Check(id);
        if (addresses.Count != Count)
            throw new ArgumentException($"node {id}'s servers file must list {Count} addresses, not {addresses.Count}", nameof(addresses));
        if (addresses[id] != _addresses[id])
            throw new ArgumentException($"line {id} must be node {id}'s own address {_addresses[id]}, not {addresses[id]}", nameof(addresses));
        var path = Path.Combine(RootDirectory, $"servers-node-{id}.txt");
        WriteServersFile(path, addresses);
        _serversFiles[id] = path;
    }

    /// <summary>Starts every node that is not running.</summary>
    public Task StartAllAsync(CancellationToken cancellationToken)
    {
        foreach (var node in _nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!node.IsRunning) node.Start();
        }
        return Task.CompletedTask;
    }

    /// <summary>Starts node <paramref name="id"/> (its data directory is kept from any earlier run).</summary>
    public void Start(int id) => Node(id).Start();

    /// <summary>SIGKILL node <paramref name="id"/> without waiting (several nodes can be killed at nearly the same instant).</summary>
    public void Kill(int id) => Node(id).Kill();

    /// <summary>SIGINT node <paramref name="id"/> without waiting; see <see cref="NodeProcess.WaitForExitAsync"/>.</summary>
    public void Interrupt(int id) => Node(id).Interrupt();

    /// <summary>SIGKILL node <paramref name="id"/> and wait until it is gone.</summary>
    public Task KillAsync(int id, CancellationToken cancellationToken) => Node(id).KillAsync(cancellationToken);

    /// <summary>SIGINT (Ctrl+C) node <paramref name="id"/> and return its exit code once it exits (<see cref="TimeoutException"/> after <see cref="LocalClusterOptions.StopTimeout"/>).</summary>
    public Task<int> InterruptAsync(int id, CancellationToken cancellationToken)
    {
        Node(id).Interrupt();
        return Node(id).WaitForExitAsync(_options.StopTimeout, cancellationToken);
    }

    /// <summary>SIGSTOP node <paramref name="id"/>.</summary>
    public void Pause(int id) => Node(id).Pause();

    /// <summary>SIGCONT node <paramref name="id"/>.</summary>
    public void Resume(int id) => Node(id).Resume();

    /// <summary>Kills node <paramref name="id"/> if it is running (SIGKILL), then starts it again on the same data directory.</summary>
    public async Task RestartAsync(int id, CancellationToken cancellationToken)
    {
        await KillAsync(id, cancellationToken).ConfigureAwait(false);
        Start(id);
    }

    /// <summary>
    /// A client of this cluster (every node's real address). The caller disposes it. Timeouts default
    /// to the client library's (10 s per operation, 2 s per attempt).
    /// </summary>
    public RaftClient CreateClient(TimeSpan? timeout = null, TimeSpan? requestTimeout = null)
    {
        var options = new RaftClientOptions { Servers = _addresses, Tls = _options.ClientTls };
        if (timeout is { } t) options = options with { Timeout = t };
        if (requestTimeout is { } r) options = options with { RequestTimeout = r };
        return new RaftClient(options);
    }

    /// <summary>Node <paramref name="id"/>'s own status, or null when it does not answer within about a second.</summary>
    public async Task<NodeStatus?> TryStatusAsync(int id, CancellationToken cancellationToken)
    {
        Check(id);
        if (!Node(id).IsRunning) return null;
        var asked = DateTime.UtcNow;
        var client = Volatile.Read(ref _statusClient);
        try
        {
            var response = await client.StatusAsync(id, cancellationToken).ConfigureAwait(false);
            _statusFailures[id] = response.Status == ClientStatus.Ok ? null : $"{asked:HH:mm:ss.fff} answered {response.Status}: {response.Error}";
            Volatile.Write(ref _statusMisses[id], 0);
            return response.Status == ClientStatus.Ok ? response.Node : null;
        }
        catch (Exception e) when (e is ClusterUnavailableException or ObjectDisposedException)
        {
            _statusFailures[id] = $"{asked:HH:mm:ss.fff} {e.Message}" + (e.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "") +
                                  $"; status client reset {Volatile.Read(ref _statusClientResets)} times";
            // About 10 s of unanswered polls (each gives up after 1 s) from a node that is running: try new connections.
            if (e is ClusterUnavailableException && Interlocked.Increment(ref _statusMisses[id]) >= 10 && Node(id).IsRunning)
                await ResetStatusClientAsync(client).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Every node's status (null for the ones that do not answer), by node id.</summary>
    public async Task<NodeStatus?[]> StatusAllAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => TryStatusAsync(i, cancellationToken))).ConfigureAwait(false);

    /// <summary>
    /// Waits until a leader is established: a node says it leads in term T and a majority of all nodes
    /// (itself included) say that node leads in T. <paramref name="except"/> excludes nodes, e.g. a
    /// paused one or one that just stepped down. Throws <see cref="TimeoutException"/> with every
    /// node's status and log tail.
    /// </summary>
    public async Task<LeaderInfo> WaitForLeaderAsync(TimeSpan timeout, CancellationToken cancellationToken, IReadOnlyCollection<int>? except = null)
    {
        var majority = Count / 2 + 1;
        NodeStatus?[] last = [];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            last = await StatusAllAsync(cancellationToken).ConfigureAwait(false);
            foreach (var s in last)
            {
                if (s is null || s.Role != "leader" || except?.Contains(s.Id) == true) continue;
                var agree = last.Count(o => o is not null && o.Term == s.Term && o.LeaderId == s.Id);
                if (agree >= majority) return new LeaderInfo(s.Id, s.Term);
            }
            if (DateTime.UtcNow >= deadline) break;
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"no leader within {timeout.TotalSeconds:0.#}s\n{Describe(last)}");
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for node <paramref name="id"/>'s status (polled about every 25 ms).
    /// Returns the status that satisfied it; <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.
    /// </summary>
    public async Task<NodeStatus> WaitForStatusAsync(int id, Func<NodeStatus, bool> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        NodeStatus? last = null;
        while (true)
        {
            last = await TryStatusAsync(id, cancellationToken).ConfigureAwait(false) ?? last;
            if (last is not null && condition(last) && Node(id).IsRunning) return last;
            if (DateTime.UtcNow >= deadline) break;
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"node {id}: {what} did not happen within {timeout.TotalSeconds:0.#}s (last status: {last})\n{_outputs[id].TailWithTimes()}");
    }

    /// <summary>Waits until node <paramref name="id"/> has printed a line containing <paramref name="text"/> (case-insensitive) after line <paramref name="fromLine"/>.</summary>
    public async Task WaitForLogAsync(int id, string text, TimeSpan timeout, CancellationToken cancellationToken, long fromLine = 0)
    {
        var output = _outputs[Check(id)];
        var deadline = DateTime.UtcNow + timeout;
        while (!output.Contains(text, fromLine))
        {
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"node {id} did not log \"{text}\" within {timeout.TotalSeconds:0.#}s\n{output.TailWithTimes()}");
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every node's state and last log lines, for a failure message. Never throws.</summary>
    public async Task<string> DiagnosticsAsync()
    {
        NodeStatus?[] statuses;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            statuses = await StatusAllAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            statuses = new NodeStatus?[Count];
        }
        return Describe(statuses);
    }

    private string Describe(NodeStatus?[] statuses)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"cluster {ClusterId} in {RootDirectory}; {OpenFiles.Describe(Environment.ProcessId)} in this test process, {OpenFiles.SystemWide()}");
        for (var i = 0; i < Count; i++)
        {
            var node = _nodes[i];
            var state = node.IsRunning ? $"running (pid {node.ProcessId}, {OpenFiles.Describe(node.ProcessId)})" : node.ExitCode is { } code ? $"exited with code {code}" : "not started";
            var status = i < statuses.Length && statuses[i] is { } s
                ? $"{s.Role} term {s.Term} leader {s.LeaderId?.ToString(CultureInfo.InvariantCulture) ?? "-"} log [{s.FirstIndex}..{s.LastIndex}] commit {s.CommitIndex} applied {s.AppliedIndex}"
                : $"no status ({_statusFailures[i] ?? "not asked"})";
            text.AppendLine(CultureInfo.InvariantCulture, $"--- node {i} at {_addresses[i]}: {state}; {status}; full log {NodeLogFile(i)}");
            text.AppendLine(_outputs[i].TailWithTimes());
        }
        return text.ToString();
    }

    private IReadOnlyList<string> ArgumentsFor(int id)
    {
        var args = new List<string> { id.ToString(CultureInfo.InvariantCulture) };
        if (id < BootstrapCount) args.AddRange(["--servers", _serversFiles[id]]);
        else args.AddRange(["--address", _addresses[id], "--join", string.Join(',', _addresses[..BootstrapCount])]);
        args.AddRange(
        [
            "--data-dir", DataDirectory(id),
            "--heartbeat-ms", _options.HeartbeatMs.ToString(CultureInfo.InvariantCulture),
            "--election-timeout-ms", _options.ElectionTimeoutMs.ToString(CultureInfo.InvariantCulture),
            "--cluster-id", ClusterId,
            "--log-level", _options.LogLevel,
        ]);
        if (_options.UnsafeNoFsync) args.Add("--unsafe-no-fsync");
        if (!_options.ExtraArguments.Contains("--http"))
        {
            args.Add("--http");
            args.Add(_options.Http ? $"127.0.0.1:{_httpPorts[id]}" : "none");
        }
        args.AddRange(_options.ExtraArguments);
        if (_options.NodeArguments is { } perNode) args.AddRange(perNode(id));
        return args;
    }

    private int Check(int id)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (id < 0 || id >= Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"the cluster has nodes 0..{Count - 1}");
        return id;
    }

    private static void WriteServersFile(string path, IReadOnlyList<string> addresses)
    {
        var text = new StringBuilder("# written by LocalCluster; a node's id is its line among the address lines\n");
        foreach (var a in addresses) text.Append(a).Append('\n');
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Ports the kernel hands out for port 0, all held open together so they differ, then released for
    /// the nodes to bind. Another process could grab one in between; the ephemeral range is large
    /// enough that this does not happen in practice.
    /// </summary>
    public static int[] FreeLoopbackPorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    /// <summary>Kills every node (SIGKILL, paused ones too) and deletes the directory unless <see cref="LocalClusterOptions.KeepDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Volatile.Read(ref _statusClient).DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (var o in _outputs) o.Dispose();
        if (_options.KeepDirectory) return;
        try
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}
