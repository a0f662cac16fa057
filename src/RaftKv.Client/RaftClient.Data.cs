using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using RaftKv.Protocol;

namespace RaftKv.Client;

// The data API: guarded writes, ranges, transactions, leases and watches (docs/PROTOCOL.md).
public sealed partial class RaftClient
{
    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> if <paramref name="options"/>' conditions hold: Ok, or ConditionFailed with the current key in Kv.</summary>
    public Task<ClientResponse> SetAsync(string key, JsonElement value, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateKey(key);
        ValidateValue(value);
        return WriteAsync(Guarded(new ClientRequest { Op = ClientOp.Set, Key = key, Value = value.Clone(), Lease = options.Lease }, options), cancellationToken);
    }

    /// <summary>Removes <paramref name="key"/> if <paramref name="options"/>' conditions hold: Ok, NotFound, or ConditionFailed.</summary>
    public Task<ClientResponse> DeleteAsync(string key, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateKey(key);
        if (options.Lease is not null) throw new ArgumentException("delete takes no lease", nameof(options));
        return WriteAsync(Guarded(new ClientRequest { Op = ClientOp.Delete, Key = key }, options), cancellationToken);
    }

    /// <summary>Removes every key that starts with <paramref name="prefix"/> (every key when empty); Deleted says how many.</summary>
    public Task<ClientResponse> DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return WriteAsync(new ClientRequest { Op = ClientOp.Delete, Key = prefix, Prefix = true }, cancellationToken);
    }

    /// <summary>Reads a range (Kvs, Count, More, Revision). Linearizable unless <paramref name="stale"/>.</summary>
    public Task<ClientResponse> RangeAsync(RangeQuery query, bool stale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if ((query.Prefix is null) == (query.From is null)) throw new ArgumentException("give either Prefix or From (with an optional To)", nameof(query));
        if (query.Limit is < 0) throw new ArgumentOutOfRangeException(nameof(query), "the limit must not be negative");
        var request = query.Prefix is { } prefix
            ? new ClientRequest { Op = ClientOp.Get, Key = prefix, Prefix = true }
            : new ClientRequest { Op = ClientOp.Get, Key = query.From, End = query.To ?? "" };
        request = request with { Limit = query.Limit, KeysOnly = query.KeysOnly, CountOnly = query.CountOnly, Stale = stale };
        return ExecuteAsync(request, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Applies a transaction document <c>{"compare":[...],"success":[...],"failure":[...]}</c> atomically: Succeeded and Responses.</summary>
    public Task<ClientResponse> TxnAsync(JsonElement document, CancellationToken cancellationToken)
    {
        if (document.ValueKind != JsonValueKind.Object) throw new ArgumentException("the transaction must be a JSON object", nameof(document));
        return WriteAsync(new ClientRequest { Op = ClientOp.Txn, Txn = document.Clone() }, cancellationToken);
    }

    /// <summary>Creates a lease of <paramref name="ttlSeconds"/>; LeaseId names it.</summary>
    public Task<ClientResponse> LeaseGrantAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttlSeconds, 1);
        return WriteAsync(new ClientRequest { Op = ClientOp.LeaseGrant, Ttl = ttlSeconds }, cancellationToken);
    }

    /// <summary>Removes a lease and deletes its keys: Ok (Deleted), or NotFound.</summary>
    public Task<ClientResponse> LeaseRevokeAsync(long id, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        return WriteAsync(new ClientRequest { Op = ClientOp.LeaseRevoke, Lease = id }, cancellationToken);
    }

    /// <summary>Restarts the lease's countdown at its full TTL: Ok, or NotFound when it has expired or was revoked.</summary>
    public Task<ClientResponse> LeaseKeepAliveAsync(long id, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.LeaseKeepAlive, Lease = id }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>The lease's TTL, seconds left and keys.</summary>
    public Task<ClientResponse> LeaseTtlAsync(long id, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        return ExecuteAsync(new ClientRequest { Op = ClientOp.LeaseTtl, Lease = id }, Routing.Leader, null, isWrite: false, cancellationToken);
    }

    /// <summary>Every lease.</summary>
    public Task<ClientResponse> LeaseListAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(new ClientRequest { Op = ClientOp.LeaseList }, Routing.Leader, null, isWrite: false, cancellationToken);

    /// <summary>
    /// Streams the changes of <paramref name="key"/> (or of every key with that prefix) from <paramref name="fromRevision"/>
    /// (null: from now on) until cancelled. Events come in revision order with none repeated or skipped: when a node
    /// fails, goes away or cuts the watch off, the client resumes on another node from the revision after the last
    /// one it delivered. Throws <see cref="WatchCompactedException"/> when no node holds the events asked for.
    /// <paramref name="onStarted"/> is called with the revision the serving node stands at each time a watch is established.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string key, bool prefix, long? fromRevision,
        [EnumeratorCancellation] CancellationToken cancellationToken, Action<long>? onStarted = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!prefix) ValidateKey(key);
        if (fromRevision is < 1) throw new ArgumentOutOfRangeException(nameof(fromRevision), "revisions start at 1");
        var next = fromRevision;
        var retries = 0;
        var compactedAnswers = 0;
        // Any node serves a watch; start where other calls go and move round the servers on trouble.
        var node = PickNode();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var responses = Channel.CreateUnbounded<ClientResponse>(new UnboundedChannelOptions { SingleReader = true });
            NodeConnection? connection = null;
            string? problem = null;
            try
            {
                using (var dial = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    dial.CancelAfter(_options.RequestTimeout);
                    connection = await NodeConnection.ConnectAsync(node, AddressOf(node), _options.Tls, dial.Token).ConfigureAwait(false);
                }
                connection.OpenStream(new ClientRequest
                {
                    Id = Interlocked.Increment(ref _nextRequestId), Op = ClientOp.Watch, Key = key, Prefix = prefix, FromRevision = next,
                }, responses.Writer);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ConnectionLostException)
            {
                problem = e.Message;
                // Connected, but the watch could not be opened on it: close it before trying the next node.
                if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null && problem is null)
            {
                try
                {
                    while (problem is null)
                    {
                        ClientResponse response;
                        try
                        {
                            if (!await responses.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) break;
                            if (!responses.Reader.TryRead(out response!)) continue;
                        }
                        catch (ConnectionLostException e)
                        {
                            problem = e.Message;
                            break;
                        }
                        switch (response.Status)
                        {
                            case ClientStatus.Ok:
                                if (response.Events is null || response.Events.Length == 0)
                                {
                                    // The watch is in place; from now on this node streams from `next`.
                                    next ??= (response.Revision ?? 0) + 1;
                                    if (retries > 0) WatchRetry?.Invoke($"resumed on node {node} from revision {next}");
                                    retries = 0;
                                    compactedAnswers = 0;
                                    onStarted?.Invoke(response.Revision ?? 0);
                                }
                                foreach (var e in response.Events ?? [])
                                {
                                    // A resumed stream never repeats: anything below `next` was delivered already.
                                    if (next is { } n && e.ModRevision < n) continue;
                                    yield return e;
                                }
                                if (response.Revision is { } upTo && (next is null || upTo + 1 > next)) next = upTo + 1;
                                break;
                            case ClientStatus.Compacted:
                                // Another node may hold more history (one that did not install a snapshot): ask each once.
                                if (++compactedAnswers >= _options.Servers.Count)
                                    throw new WatchCompactedException(response.CompactRevision ?? 0, response.Error ?? $"compacted; earliest available revision is {response.CompactRevision}");
                                problem = response.Error;
                                break;
                            case ClientStatus.BadRequest:
                                throw new ArgumentException(response.Error ?? "the node refused the watch");
                            default:
                                problem = response.Error ?? response.Status.ToString();
                                break;
                        }
                    }
                    problem ??= "the node ended the watch";
                }
                finally
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            // Try the next node after a short backoff; the stream resumes from `next`. Said once per outage, not per attempt.
            if (retries == 0) WatchRetry?.Invoke($"node {node}: {problem}; will resume from revision {next?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "now"} on the next node that answers");
            node = (node + 1) % _options.Servers.Count;
            await Task.Delay(Backoff.ClientRetry.Delay(retries++), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Told each time a watch moves to another node, with the reason (raftctl prints it on stderr).</summary>
    public event Action<string>? WatchRetry;

    private static ClientRequest Guarded(ClientRequest request, WriteOptions options) => request with
    {
        IfAbsent = options.IfAbsent,
        IfVersion = options.IfVersion,
        IfModRevision = options.IfModRevision,
        IfValue = options.IfValue?.Clone(),
    };
}
