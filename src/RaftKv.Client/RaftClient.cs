using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Client;

/// <summary>
/// A client of a RaftKv cluster. Thread-safe: any number of calls may run at once, and calls to the
/// same node share one pipelined connection.
/// </summary>
/// <remarks>
/// Finding the leader: a call goes to the leader this client last heard of, else to the servers in
/// turn. Every reply names the leader its sender believes in, and a NotLeader reply is followed to
/// the node it names at once. Connection errors, Unavailable replies and attempts that take longer
/// than <see cref="RaftClientOptions.RequestTimeout"/> are retried after a short jittered backoff
/// (10..200 ms) until <see cref="RaftClientOptions.Timeout"/> runs out, and then the call throws
/// <see cref="ClusterUnavailableException"/>.
/// <para>
/// Writes are idempotent across those retries (docs/PROTOCOL.md, "Sessions"): the first write registers
/// a session through the log (one extra round trip, once per session), each logical write takes the
/// next sequence number of its session once, and every attempt carries the same (Session, Seq) pair
/// with a fresh request id, so a server that already applied it answers from its session table instead
/// of applying it again. A client writing one at a time uses one session with Seq 1, 2, 3, ...;
/// concurrent writes each borrow a session of their own, because the server remembers only the last
/// write of each session.
/// </para>
/// <para>
/// When the server says a session expired (<see cref="ClientStatus.SessionExpired"/>), a write none of
/// whose attempts can have been applied is sent again, transparently, under a newly registered session.
/// A write that had an attempt with an unknown outcome is not: it throws
/// <see cref="ClusterUnavailableException"/> with <see cref="ClusterUnavailableException.OutcomeUnknown"/>,
/// because sending it again under a new session could apply it twice.
/// </para>
/// </remarks>
public sealed partial class RaftClient : IAsyncDisposable
{
    /// <summary>A write registers at most this many sessions before giving up (each expiring before the write reached the log).</summary>
    private const int MaxRegistrationsPerWrite = 3;

    private enum Routing
    {
        /// <summary>Send to the leader; the leader itself says NotLeader when it is not.</summary>
        Leader,

        /// <summary>Any node answers, but the caller wants the leader's answer: redirect unless the sender names itself leader.</summary>
        LeaderAnswer,

        /// <summary>This node only; no redirect.</summary>
        Direct,
    }

    private readonly RaftClientOptions _options;
    private readonly ConcurrentDictionary<int, string> _addresses = new();
    private readonly ConcurrentDictionary<int, Task<NodeConnection>> _connections = new();
    private readonly CancellationTokenSource _disposing = new();
    private int _leader = -1;
    private int _roundRobin = -1;
    private readonly WriteSessionPool _sessions;
    private long _nextRequestId;
    private int _disposed;

    /// <summary>Creates a client; nothing is dialled until the first call. Throws <see cref="ArgumentException"/> for bad options.</summary>
    public RaftClient(RaftClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _sessions = new WriteSessionPool();
        for (var id = 0; id < options.Servers.Count; id++) _addresses[id] = options.Servers[id];
    }

    public RaftClientOptions Options => _options;

    /// <summary>The node this client currently believes leads, if any.</summary>
    public int? KnownLeader => Volatile.Read(ref _leader) is var leader and >= 0 ? leader : null;

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> (through the Raft log). Ok when committed and applied.</summary>
    public Task<ClientResponse> SetAsync(string key, JsonElement value, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        ValidateValue(value);
        var request = new ClientRequest { Op = ClientOp.Set, Key = key, Value = value.Clone() };
        return WriteAsync(request, cancellationToken);
    }

    /// <summary>Removes <paramref name="key"/>. NotFound when it did not exist (a normal response, not an exception).</summary>
    public Task<ClientResponse> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        return WriteAsync(new ClientRequest { Op = ClientOp.Delete, Key = key }, cancellationToken);
    }

    /// <summary>
    /// Reads one key: Ok with <see cref="ClientResponse.Value"/>, or NotFound (a normal response, not an exception).
    /// Linearizable unless <paramref name="stale"/>, which lets any node answer from its own state.
    /// </summary>
    public Task<ClientResponse> GetAsync(string key, bool stale, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.Get, Key = key, Stale = stale }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Reads every key: Ok with <see cref="ClientResponse.Values"/>. Linearizable unless <paramref name="stale"/>.</summary>
    public Task<ClientResponse> GetAllAsync(bool stale, CancellationToken cancellationToken) =>
        ExecuteAsync(new ClientRequest { Op = ClientOp.Get, Stale = stale }, Routing.Leader, null, isWrite: false, cancellationToken);

    /// <summary>
    /// Asks node <paramref name="nodeId"/> itself for its status (no redirect). One attempt bounded by
    /// <see cref="RaftClientOptions.RequestTimeout"/>, repeated once on a fresh connection if a reused one
    /// turned out dead; throws <see cref="ClusterUnavailableException"/> when the node does not answer.
    /// </summary>
    public Task<ClientResponse> StatusAsync(int nodeId, CancellationToken cancellationToken)
    {
        ValidateNode(nodeId);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.Status }, Routing.Direct, nodeId, isWrite: false, cancellationToken);
    }

    /// <summary>
    /// Log entries from <paramref name="from"/> (default: the first), at most <paramref name="limit"/>.
    /// <paramref name="nodeId"/> null asks the leader (found as for any call); a node id asks that node directly, as <see cref="StatusAsync"/> does.
    /// </summary>
    public Task<ClientResponse> LogAsync(int? nodeId, long? from, int? limit, CancellationToken cancellationToken)
    {
        if (from is < 0) throw new ArgumentOutOfRangeException(nameof(from), from, "the first index must not be negative");
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "the limit must be at least 1");
        var request = new ClientRequest { Op = ClientOp.Log, From = from, Limit = limit };
        if (nodeId is int id)
        {
            ValidateNode(id);
            return ExecuteAsync(request, Routing.Direct, id, isWrite: false, cancellationToken);
        }
        return ExecuteAsync(request, Routing.LeaderAnswer, null, isWrite: false, cancellationToken);
    }

    /// <summary>The members as the leader sees them: Ok with <see cref="ClientResponse.Members"/> (address, role, progress).</summary>
    public Task<ClientResponse> MemberListAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(new ClientRequest { Op = ClientOp.MemberList }, Routing.Leader, null, isWrite: false, cancellationToken);

    /// <summary>Adds node <paramref name="nodeId"/> at <paramref name="address"/> as a learner; Ok once the change is applied.</summary>
    public Task<ClientResponse> MemberAddAsync(int nodeId, string address, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        if (!ServerList.TrySplitHostPort(address, out _, out _, out var reason))
            throw new ArgumentException($"'{address}' is not a valid host:port ({reason})", nameof(address));
        return ExecuteAsync(new ClientRequest { Op = ClientOp.MemberAdd, NodeId = nodeId, Address = address }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>
    /// Makes learner <paramref name="nodeId"/> a voter. While it has not caught up the leader answers Unavailable and
    /// this call keeps retrying until <see cref="RaftClientOptions.Timeout"/>, then throws <see cref="ClusterUnavailableException"/>
    /// whose message gives the learner's lag.
    /// </summary>
    public Task<ClientResponse> MemberPromoteAsync(int nodeId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.MemberPromote, NodeId = nodeId }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Removes member <paramref name="nodeId"/> (the leader first hands over leadership); NotFound when it is not a member.</summary>
    public Task<ClientResponse> MemberRemoveAsync(int nodeId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.MemberRemove, NodeId = nodeId }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Hands leadership to voter <paramref name="nodeId"/>; Ok (with <see cref="ClientResponse.LeaderId"/> = it) once it leads.</summary>
    public Task<ClientResponse> TransferLeaderAsync(int nodeId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.TransferLeader, NodeId = nodeId }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Every node id this client knows an address for: servers.txt, plus members learned from replies.</summary>
    public IReadOnlyDictionary<int, string> KnownNodes => new Dictionary<int, string>(_addresses);

    private async Task<ClientResponse> WriteAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var started = Stopwatch.GetTimestamp();
        var session = _sessions.Rent();
        try
        {
            for (var registrations = 0; ;)
            {
                if (!session.IsRegistered)
                {
                    if (++registrations > MaxRegistrationsPerWrite)
                        throw new ClusterUnavailableException(
                            $"{MaxRegistrationsPerWrite} new sessions in a row expired before this write reached the log (far more clients are registering than the servers keep sessions for); the write was not applied",
                            _options.Timeout, outcomeUnknown: false);
                    session.Registered(await RegisterAsync(Remaining(started), cancellationToken).ConfigureAwait(false));
                }
                // One sequence number per logical write, reused by every retry in ExecuteAsync: that is what
                // lets the server recognise a retry of a write it already applied.
                var seq = ++session.LastSeq;
                var response = await ExecuteAsync(request with { Session = session.Id, Seq = seq }, Routing.Leader, null, isWrite: true, cancellationToken, Remaining(started)).ConfigureAwait(false);
                if (response.Status != ClientStatus.SessionExpired) return response;
                // ExecuteAsync returns SessionExpired only when no attempt of this write can have been
                // applied (it throws otherwise), so sending it again under a new session is safe.
                session.Expired();
            }
        }
        finally
        {
            _sessions.Return(session);
        }
    }

    /// <summary>
    /// Registers a new session and returns its id. A register whose answer is lost may still create a session
    /// that nobody will use: harmless (it expires like any other), so it is retried like a read.
    /// </summary>
    private async Task<long> RegisterAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        ClientResponse response;
        try
        {
            response = await ExecuteAsync(new ClientRequest { Op = ClientOp.Register }, Routing.Leader, null, isWrite: false, cancellationToken, budget).ConfigureAwait(false);
        }
        catch (ClusterUnavailableException e)
        {
            throw new ClusterUnavailableException($"{e.Message}; no session could be registered, so the write was not applied", e.Timeout, outcomeUnknown: false, e);
        }
        if (response is { Status: ClientStatus.Ok, Session: long id and > 0 }) return id;
        throw new ClusterUnavailableException(
            $"the leader did not register a session ({response.Status}: {response.Error ?? "no session id in the answer"}); the write was not sent",
            _options.Timeout, outcomeUnknown: false);
    }

    /// <summary>What is left of the whole operation's <see cref="RaftClientOptions.Timeout"/> (a write's registration and the write share it).</summary>
    private TimeSpan Remaining(long started)
    {
        var left = _options.Timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    private async Task<ClientResponse> ExecuteAsync(ClientRequest template, Routing routing, int? directNode, bool isWrite, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        budget.CancelAfter(timeout ?? _options.Timeout);

        var outcomeUnknown = false;
        Exception? lastError = null;
        int? redirectTo = null;
        var retries = 0;
        var redirectsInARow = 0;
        var attempts = 0;

        while (true)
        {
            var node = directNode ?? redirectTo ?? PickNode();
            redirectTo = null;
            attempts++;

            ClientResponse? response = null;
            var sent = new StrongBox<bool>();
            var reusedConnection = false;
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(budget.Token))
            {
                attempt.CancelAfter(_options.RequestTimeout);
                try
                {
                    var (connection, reused) = await GetConnectionAsync(node, attempt.Token).ConfigureAwait(false);
                    reusedConnection = reused;
                    var request = template with { Id = Interlocked.Increment(ref _nextRequestId) };
                    response = await connection.SendAsync(request, sent, attempt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
                {
                    throw new ObjectDisposedException(nameof(RaftClient));
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                    lastError = e is OperationCanceledException
                        ? new TimeoutException($"node {node} ({AddressOf(node)}) did not answer within {Seconds(_options.RequestTimeout)}")
                        : e;
                    if (isWrite && sent.Value) outcomeUnknown = true;
                    ForgetLeader(node);
                }
            }

            if (response is not null)
            {
                Learn(node, response);
                switch (response.Status)
                {
                    case ClientStatus.Ok or ClientStatus.NotFound or ClientStatus.BadRequest:
                        if (routing == Routing.LeaderAnswer && response.LeaderId != node)
                        {
                            lastError = new IOException($"node {node} answered but is not the leader");
                            if (TryRedirect(response, node, ref redirectsInARow, out redirectTo)) continue;
                            break;
                        }
                        return response;

                    case ClientStatus.SessionExpired when isWrite && outcomeUnknown:
                        // An earlier attempt of this very write may have been applied before the session
                        // expired; the server can no longer tell. Sending it under a new session could apply
                        // it twice, so the caller must be told the truth: outcome unknown.
                        throw new ClusterUnavailableException(
                            $"session {template.Session} expired while write seq {template.Seq} was being retried; the write may or may not have been applied",
                            _options.Timeout, outcomeUnknown: true);

                    case ClientStatus.NotLeader when routing != Routing.Direct:
                        lastError = new IOException($"node {node} is not the leader" + (response.LeaderId is int l ? $" (it points to node {l})" : " and knows no leader"));
                        if (TryRedirect(response, node, ref redirectsInARow, out redirectTo)) continue;
                        ForgetLeader(node);
                        break;

                    case ClientStatus.Unavailable when routing != Routing.Direct:
                        // The node may have appended the write before it lost its quorum: it may yet commit.
                        if (isWrite) outcomeUnknown = true;
                        lastError = new IOException($"node {node} is unavailable: {response.Error ?? "no reason given"}");
                        // A node that cannot serve (its disk is full, it lost its quorum) may still name itself
                        // leader; asking it again and again would never find the leader the others elected
                        // meanwhile. Forget it, so that the next attempt asks around and follows their hint.
                        ForgetLeader(node);
                        break;

                    default:
                        return response;
                }
            }

            if (routing == Routing.Direct)
            {
                // A reused connection may have been closed by the node while idle: one fresh dial
                // tells "stale connection" from "node down" without waiting out the whole budget.
                if (response is null && attempts == 1 && reusedConnection && lastError is ConnectionLostException && !budget.IsCancellationRequested) continue;
                throw new ClusterUnavailableException(
                    $"node {node} ({AddressOf(node)}) did not answer: {lastError?.Message}", _options.RequestTimeout, outcomeUnknown, lastError);
            }

            redirectsInARow = 0;
            try
            {
                if (budget.IsCancellationRequested) break;
                await Task.Delay(Backoff.ClientRetry.Delay(retries++), budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The budget ran out (or the client is being disposed): reported just below.
                break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        var what = isWrite
            ? outcomeUnknown ? "; the write may or may not have been applied" : "; the write was not applied"
            : "";
        throw new ClusterUnavailableException(
            $"no leader/quorum within {Seconds(_options.Timeout)}{what} (last error: {lastError?.Message ?? "none"})",
            _options.Timeout, outcomeUnknown, lastError);
    }

    /// <summary>Follows a leader hint at once, unless hints keep bouncing (an election is settling): then the caller backs off.</summary>
    private bool TryRedirect(ClientResponse response, int node, ref int redirectsInARow, out int? redirectTo)
    {
        redirectTo = null;
        if (response.LeaderId is not int hinted || hinted == node || !_addresses.ContainsKey(hinted)) return false;
        if (++redirectsInARow > _addresses.Count) return false;
        redirectTo = hinted;
        return true;
    }

    private void Learn(int node, ClientResponse response)
    {
        // Status and membership replies list every member's address: the cluster may have grown past servers.txt.
        foreach (var member in response.Members ?? response.Node?.Members ?? [])
        {
            if (member.Address is { } memberAddress && ServerList.TrySplitHostPort(memberAddress, out _, out _, out _))
                _addresses[member.Id] = memberAddress;
        }
        if (response.LeaderId is int leader and >= 0)
        {
            // A leader outside servers.txt (added by a membership change) is reachable through the address it advertises.
            if (response.LeaderAddress is { } address && ServerList.TrySplitHostPort(address, out _, out _, out _))
                _addresses.TryAdd(leader, address);
            if (_addresses.ContainsKey(leader)) Volatile.Write(ref _leader, leader);
        }
        else if (response.Status == ClientStatus.NotLeader)
        {
            ForgetLeader(node);
        }
    }

    private void ForgetLeader(int node) => Interlocked.CompareExchange(ref _leader, -1, node);

    private int PickNode()
    {
        var leader = Volatile.Read(ref _leader);
        if (leader >= 0) return leader;
        var next = Interlocked.Increment(ref _roundRobin) & int.MaxValue;
        return next % _options.Servers.Count;
    }

    private string AddressOf(int node) => _addresses.TryGetValue(node, out var address) ? address : "?";

    /// <summary>The open connection to <paramref name="node"/>, dialling one (shared by every concurrent caller) if there is none.</summary>
    private async Task<(NodeConnection Connection, bool Reused)> GetConnectionAsync(int node, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_connections.TryGetValue(node, out var existing))
            {
                if (existing.IsCompletedSuccessfully && !existing.Result.IsClosed) return (existing.Result, true);
                if (!existing.IsCompleted) return (await existing.WaitAsync(cancellationToken).ConfigureAwait(false), false);
                if (_connections.TryRemove(new KeyValuePair<int, Task<NodeConnection>>(node, existing)) && existing.IsCompletedSuccessfully)
                    await existing.Result.DisposeAsync().ConfigureAwait(false);
                continue;
            }

            var dial = new TaskCompletionSource<NodeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_connections.TryAdd(node, dial.Task)) continue;
            _ = DialAsync(node, dial);
            return (await dial.Task.WaitAsync(cancellationToken).ConfigureAwait(false), false);
        }
    }

    private async Task DialAsync(int node, TaskCompletionSource<NodeConnection> dial)
    {
        // The dial is shared, so it is bounded by its own timeout rather than by the caller who started it.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            var connection = await NodeConnection.ConnectAsync(node, AddressOf(node), _options.Tls, timeout.Token).ConfigureAwait(false);
            if (_disposing.IsCancellationRequested)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(RaftClient));
            }
            dial.SetResult(connection);
        }
        catch (Exception e)
        {
            _connections.TryRemove(new KeyValuePair<int, Task<NodeConnection>>(node, dial.Task));
            var error = e is OperationCanceledException && !_disposing.IsCancellationRequested
                ? new ConnectionLostException($"could not connect to node {node} ({AddressOf(node)}) within {Seconds(_options.RequestTimeout)}", e)
                : e;
            dial.SetException(error);
            // Callers that gave up waiting leave this exception unobserved; observing it here keeps it out of UnobservedTaskException.
            _ = dial.Task.Exception;
        }
    }

    private void ValidateNode(int nodeId)
    {
        if (!_addresses.ContainsKey(nodeId))
            throw new ArgumentOutOfRangeException(nameof(nodeId), nodeId,
                $"no node {nodeId}: the known nodes are {string.Join(", ", _addresses.Keys.Order())} (servers.txt and members learned from replies)");
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("the key must not be empty", nameof(key));
        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > ClientLimits.MaxKeyBytes)
            throw new ArgumentException($"the key is {bytes} bytes, over the limit of {ClientLimits.MaxKeyBytes}", nameof(key));
    }

    private static void ValidateValue(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined) throw new ArgumentException("the value is undefined", nameof(value));
        var bytes = Encoding.UTF8.GetByteCount(value.GetRawText());
        if (bytes > ClientLimits.MaxValueBytes)
            throw new ArgumentException($"the value is {bytes} bytes, over the limit of {ClientLimits.MaxValueBytes} (1 MiB)", nameof(value));
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###}s";

    /// <summary>Closes every connection; calls still running fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _disposing.CancelAsync().ConfigureAwait(false);
        foreach (var (_, connection) in _connections)
        {
            if (connection.IsCompletedSuccessfully) await connection.Result.DisposeAsync().ConfigureAwait(false);
        }
        // _disposing is left undisposed on purpose: calls still unwinding read its token.
        _connections.Clear();
    }
}
