using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftKv.Client;
using RaftKv.Protocol;
using RaftKv.Linearizability;

namespace RaftKv.Jepsen.Tests.Workload;

/// <summary>
/// Concurrent clients doing random set/get/delete, compare-and-set (a recorded read, then a set guarded by what
/// it saw: mod revision, version, value or absence) on a small key space, and transactions on a pair of keys of
/// their own (<see cref="TxnKeys"/>: a guarded move of both keys, or an atomic read of both), each with its own
/// <see cref="RaftClient"/> and one operation at a time, every operation recorded in a <see cref="History"/>.
/// </summary>
/// <remarks>
/// Outcomes, from what the client library can promise (docs/PROTOCOL.md "Retry rules"):
/// <list type="bullet">
/// <item>Ok: the write committed, or the read saw a value; a get that found nothing is an Ok read of
/// "absent", and a delete that found nothing is an Ok delete (the key is absent afterwards either way).</item>
/// <item>Failed: certainly not applied: BadRequest, or ClusterUnavailableException without OutcomeUnknown.</item>
/// <item>Unknown: a write whose attempts may have reached a node (OutcomeUnknown), a cancelled call, or
/// anything unexpected; the checker lets it take effect at any time after its start, or never.</item>
/// </list>
/// Each written value is unique (client and counter), so a read names the one write it saw.
/// </remarks>
public sealed class KvWorkload
{
    private readonly IReadOnlyList<string> _servers;
    private readonly IReadOnlyList<string> _keys;
    private readonly int _seed;
    private readonly History _history;
    private readonly RaftClientOptions _clientOptions;

    public KvWorkload(IReadOnlyList<string> servers, IReadOnlyList<string> keys, int seed, History history, RaftClientOptions? clientOptions = null)
    {
        _servers = servers;
        _keys = keys;
        _seed = seed;
        _history = history;
        // Short budgets, as in Jepsen: operations cut off mid-fault end Unknown, which is what exercises the
        // checker's "may take effect later, or never" and the servers' duplicate detection.
        _clientOptions = clientOptions ?? new RaftClientOptions
        {
            Servers = servers,
            Timeout = TimeSpan.FromSeconds(3),
            RequestTimeout = TimeSpan.FromSeconds(1),
        };
    }

    public OutcomeCounts Counts { get; } = new();

    /// <summary>Percent of operations that are gets (the rest are writes).</summary>
    public int ReadPercent { get; init; } = 50;

    /// <summary>Percent of operations that are deletes.</summary>
    public int DeletePercent { get; init; } = 15;

    /// <summary>Percent of operations that are compare-and-set (a read, then a guarded set; counted among the writes).</summary>
    public int CasPercent { get; init; } = 10;

    /// <summary>
    /// Percent of operations that are transactions on <see cref="TxnKeys"/> (counted among the writes); 0 unless
    /// asked, because a test that compares the final state key by key must then read <see cref="TxnKeys"/> too.
    /// </summary>
    public int TxnPercent { get; init; }

    /// <summary>
    /// The keys transactions use, and nothing else: a transaction ties its keys into one object for the checker,
    /// so keeping them apart keeps every other key a register checked alone.
    /// </summary>
    public static IReadOnlyList<string> TxnKeys { get; } = ["t0", "t1"];

    /// <summary>Longest pause between a client's operations, in milliseconds (0: none).</summary>
    public int MaxPauseMs { get; init; } = 8;

    /// <summary>Unexpected exceptions, kept for the report (they count as Unknown).</summary>
    public IReadOnlyCollection<string> Surprises => _surprises;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _surprises = new();

    /// <summary>
    /// Runs <paramref name="clients"/> clients until <paramref name="stopStarting"/> is cancelled; operations in
    /// flight then finish (each is bounded by the client's timeout) and are recorded.
    /// </summary>
    public Task RunAsync(int clients, CancellationToken stopStarting) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => RunClientAsync(c, stopStarting), CancellationToken.None)));

    private async Task RunClientAsync(int client, CancellationToken stopStarting)
    {
        var random = new Random(unchecked((_seed * 7919) + client));
        await using var raft = new RaftClient(_clientOptions);
        var written = 0;
        while (!stopStarting.IsCancellationRequested)
        {
            var key = _keys[random.Next(_keys.Count)];
            var roll = random.Next(100);
            if (roll < ReadPercent)
            {
                await GetAsync(raft, client, key, CancellationToken.None).ConfigureAwait(false);
            }
            else if (roll < ReadPercent + CasPercent)
            {
                await CompareAndSetAsync(raft, client, key, $"c{client}-{++written}", random, CancellationToken.None).ConfigureAwait(false);
            }
            else if (roll < ReadPercent + CasPercent + TxnPercent)
            {
                await TxnAsync(raft, client, $"c{client}-{++written}", random, CancellationToken.None).ConfigureAwait(false);
            }
            else if (roll < 100 - DeletePercent)
            {
                await SetAsync(raft, client, key, $"c{client}-{++written}", CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await DeleteAsync(raft, client, key, CancellationToken.None).ConfigureAwait(false);
            }

            // A short random pause spreads the clients out and keeps the history small enough to check quickly.
            var pause = random.Next(0, MaxPauseMs + 1);
            if (pause == 0) continue;
            try
            {
                await Task.Delay(pause, stopStarting).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A set of <paramref name="text"/> (stored as a JSON string), recorded.</summary>
    public async Task<OpOutcome> SetAsync(RaftClient raft, int client, string key, string text, CancellationToken cancellationToken)
    {
        var value = JsonSerializer.SerializeToElement(text);
        var handle = _history.Invoke(client, OpKind.Set, key, value.GetRawText());
        var outcome = await WriteOutcomeAsync(() => raft.SetAsync(key, value, cancellationToken)).ConfigureAwait(false);
        _history.Complete(handle, outcome);
        Counts.Add(OpKind.Set, outcome);
        return outcome;
    }

    /// <summary>A delete, recorded; NotFound is an Ok delete of an absent key.</summary>
    public async Task<OpOutcome> DeleteAsync(RaftClient raft, int client, string key, CancellationToken cancellationToken)
    {
        var handle = _history.Invoke(client, OpKind.Delete, key, null);
        var outcome = await WriteOutcomeAsync(() => raft.DeleteAsync(key, cancellationToken)).ConfigureAwait(false);
        _history.Complete(handle, outcome);
        Counts.Add(OpKind.Delete, outcome);
        return outcome;
    }

    /// <summary>A linearizable get, recorded; returns the outcome and the JSON text read (null: absent).</summary>
    public async Task<(OpOutcome Outcome, string? Value)> GetAsync(RaftClient raft, int client, string key, CancellationToken cancellationToken)
    {
        var handle = _history.Invoke(client, OpKind.Get, key, null);
        OpOutcome outcome;
        string? value = null;
        try
        {
            var response = await raft.GetAsync(key, stale: false, cancellationToken).ConfigureAwait(false);
            (outcome, value) = response.Status switch
            {
                ClientStatus.Ok => (OpOutcome.Ok, response.Value?.GetRawText() ?? "null"),
                ClientStatus.NotFound => (OpOutcome.Ok, null),
                ClientStatus.BadRequest => (OpOutcome.Failed, null),
                _ => (OpOutcome.Unknown, null),
            };
            if (outcome == OpOutcome.Unknown) Surprise($"get {key}: unexpected status {response.Status}: {response.Error}");
        }
        catch (Exception e) when (e is ClusterUnavailableException or OperationCanceledException)
        {
            // A read that got no answer constrains nothing, whatever the reason.
            outcome = OpOutcome.Unknown;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or TimeoutException)
        {
            Surprise($"get {key}: {e.GetType().Name}: {e.Message}");
            outcome = OpOutcome.Unknown;
        }

        _history.Complete(handle, outcome, outcome == OpOutcome.Ok ? value : null);
        Counts.Add(OpKind.Get, outcome);
        return (outcome, value);
    }

    /// <summary>
    /// A linearizable get that records the version and mod revision read with the value, so that guards on them
    /// can be checked; returns what it read (null: no answer).
    /// </summary>
    public async Task<KeyRead?> ReadAsync(RaftClient raft, int client, string key, CancellationToken cancellationToken)
    {
        var handle = _history.Invoke(client, OpKind.Get, key, null);
        KeyRead? read = null;
        OpOutcome outcome = OpOutcome.Unknown;
        try
        {
            var response = await raft.GetAsync(key, stale: false, cancellationToken).ConfigureAwait(false);
            read = response.Status switch
            {
                ClientStatus.Ok when response.Kv is { } kv => new KeyRead(kv.Value?.GetRawText() ?? "null", kv.Version, kv.ModRevision),
                ClientStatus.NotFound => new KeyRead(null, 0, 0),
                _ => null,
            };
            if (read is null && response.Status != ClientStatus.BadRequest) Surprise($"get {key}: unexpected answer {response.Status}: {response.Error}");
            outcome = response.Status == ClientStatus.BadRequest ? OpOutcome.Failed : OpOutcome.Unknown;
        }
        catch (Exception e) when (e is ClusterUnavailableException or OperationCanceledException or IOException or ObjectDisposedException or TimeoutException)
        {
            // A read that got no answer constrains nothing, whatever the reason.
        }

        if (read is not null) _history.CompleteRead(handle, read);
        else _history.Complete(handle, outcome);
        Counts.Add(OpKind.Get, read is null ? outcome : OpOutcome.Ok);
        return read;
    }

    /// <summary>
    /// A compare-and-set: reads the key, then sets <paramref name="text"/> guarded by what it read (mod revision,
    /// version, value, or absence, drawn by <paramref name="random"/>). Both recorded.
    /// </summary>
    public async Task<OpOutcome> CompareAndSetAsync(RaftClient raft, int client, string key, string text, Random random, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(raft, client, key, cancellationToken).ConfigureAwait(false);
        if (read is null) return OpOutcome.Unknown;
        var guard = (read.Value, random.Next(3)) switch
        {
            (null, 0) => new Guard { IfAbsent = true },
            (_, 0) => new Guard { IfModRevision = read.ModRevision },
            (_, 1) => new Guard { IfVersion = read.Version },
            (null, _) => new Guard { IfModRevision = 0 },
            (_, _) => new Guard { IfValue = read.Value },
        };
        return await GuardedSetAsync(raft, client, key, JsonSerializer.SerializeToElement(text), guard, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A set guarded by <paramref name="guard"/>, recorded; ConditionFailed records the key the answer showed.</summary>
    public async Task<OpOutcome> GuardedSetAsync(RaftClient raft, int client, string key, JsonElement value, Guard guard, CancellationToken cancellationToken)
    {
        var options = new WriteOptions
        {
            IfAbsent = guard.IfAbsent,
            IfVersion = guard.IfVersion,
            IfModRevision = guard.IfModRevision,
            IfValue = guard.IfValue is { } v ? JsonDocument.Parse(v).RootElement.Clone() : null,
        };
        var handle = _history.Invoke(client, OpKind.Set, key, value.GetRawText(), guard);
        ClientResponse? response = null;
        var outcome = await WriteOutcomeAsync(async () => response = await raft.SetAsync(key, value, options, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (response?.Status == ClientStatus.ConditionFailed)
        {
            // Without kv the answer was replayed from the session (or the key is absent): it shows nothing.
            var kv = response.Kv;
            _history.CompleteConditionFailed(handle, kv is null ? null : new KeyRead(kv.Value?.GetRawText() ?? "null", kv.Version, kv.ModRevision));
            outcome = OpOutcome.ConditionFailed;
        }
        else
        {
            // The revision of the answer is not recorded: a retry answered from the session by a node restarted
            // from a snapshot carries its own entry's (docs/PROTOCOL.md); the checker learns it from reads.
            _history.Complete(handle, outcome);
        }

        Counts.Add(OpKind.Set, outcome);
        return outcome;
    }

    /// <summary>
    /// A transaction on <see cref="TxnKeys"/>: either a move (if t0 still has the mod revision a read just saw,
    /// set both keys to <paramref name="text"/> and read t1 back; else read both), or an atomic read of both keys.
    /// </summary>
    public async Task<OpOutcome> TxnAsync(RaftClient raft, int client, string text, Random random, CancellationToken cancellationToken)
    {
        TxnRequest txn;
        if (random.Next(2) == 0)
        {
            txn = new TxnRequest([], [new TxnStep(OpKind.Get, TxnKeys[0]), new TxnStep(OpKind.Get, TxnKeys[1])], []);
        }
        else
        {
            var read = await ReadAsync(raft, client, TxnKeys[0], cancellationToken).ConfigureAwait(false);
            if (read is null) return OpOutcome.Unknown;
            var value = JsonSerializer.SerializeToElement(text).GetRawText();
            txn = new TxnRequest(
                [new TxnCompare(TxnKeys[0], CompareTarget.ModRevision, CompareOp.Equal, read.ModRevision ?? 0)],
                [new TxnStep(OpKind.Set, TxnKeys[0], value), new TxnStep(OpKind.Set, TxnKeys[1], value), new TxnStep(OpKind.Get, TxnKeys[1])],
                [new TxnStep(OpKind.Get, TxnKeys[0]), new TxnStep(OpKind.Get, TxnKeys[1])]);
        }

        var handle = _history.InvokeTxn(client, txn);
        ClientResponse? response = null;
        var outcome = await WriteOutcomeAsync(async () => response = await raft.TxnAsync(Document(txn), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (outcome == OpOutcome.Ok && response?.Succeeded is { } succeeded)
        {
            // Each get of one key answers zero or one kv; an answer replayed from the session has no responses.
            var reads = response.Responses?
                .Where(r => r.Op == "get")
                .Select(r => r.Kvs is [{ } kv] ? new KeyRead(kv.Value?.GetRawText() ?? "null", kv.Version, kv.ModRevision) : new KeyRead(null, 0, 0))
                .ToList();
            _history.CompleteTxn(handle, succeeded, reads);
        }
        else
        {
            if (outcome == OpOutcome.Ok)
            {
                Surprise($"txn: ok without succeeded: {response?.Error}");
                outcome = OpOutcome.Unknown;
            }

            _history.Complete(handle, outcome);
        }

        Counts.Add(OpKind.Txn, outcome);
        return outcome;
    }

    /// <summary>The transaction as docs/PROTOCOL.md writes it.</summary>
    private static JsonElement Document(TxnRequest txn)
    {
        static JsonObject Step(TxnStep s)
        {
            var step = new JsonObject { ["op"] = s.Kind.ToString().ToLowerInvariant(), ["key"] = s.Key };
            if (s.Value is not null) step["value"] = JsonNode.Parse(s.Value);
            return step;
        }

        var compares = new JsonArray();
        foreach (var c in txn.Compare)
        {
            compares.Add(new JsonObject
            {
                ["key"] = c.Key,
                ["target"] = c.Target switch { CompareTarget.Value => "value", CompareTarget.Version => "version", _ => "modRevision" },
                ["op"] = c.Op switch { CompareOp.Equal => "=", CompareOp.NotEqual => "!=", CompareOp.Less => "<", _ => ">" },
                ["value"] = c.Target == CompareTarget.Value ? JsonNode.Parse(c.Value!) : JsonValue.Create(c.Number),
            });
        }

        var document = new JsonObject
        {
            ["compare"] = compares,
            ["success"] = new JsonArray([.. txn.Success.Select(Step)]),
            ["failure"] = new JsonArray([.. txn.Failure.Select(Step)]),
        };
        using var parsed = JsonDocument.Parse(document.ToJsonString());
        return parsed.RootElement.Clone();
    }

    private async Task<OpOutcome> WriteOutcomeAsync(Func<Task<ClientResponse>> write)
    {
        try
        {
            var response = await write().ConfigureAwait(false);
            switch (response.Status)
            {
                case ClientStatus.Ok or ClientStatus.NotFound:
                    return OpOutcome.Ok;
                case ClientStatus.ConditionFailed:
                    return OpOutcome.ConditionFailed;
                case ClientStatus.BadRequest:
                    Surprise($"write refused: {response.Error}");
                    return OpOutcome.Failed;
                default:
                    Surprise($"write: unexpected status {response.Status}: {response.Error}");
                    return OpOutcome.Unknown;
            }
        }
        catch (ClusterUnavailableException e)
        {
            return e.OutcomeUnknown ? OpOutcome.Unknown : OpOutcome.Failed;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or TimeoutException)
        {
            Surprise($"write: {e.GetType().Name}: {e.Message}");
            return OpOutcome.Unknown;
        }
    }

    private void Surprise(string what)
    {
        if (_surprises.Count < 50) _surprises.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {what}"));
    }

    /// <summary>The key space: <paramref name="count"/> keys named k0, k1, ...</summary>
    public static IReadOnlyList<string> Keys(int count) => Enumerable.Range(0, count).Select(i => $"k{i}").ToArray();

    public IReadOnlyList<string> Servers => _servers;
}
