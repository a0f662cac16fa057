using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;
using RaftKv.Linearizability;

namespace RaftKv.Jepsen.Tests.Workload;

/// <summary>
/// Concurrent clients doing random set/get/delete on a small key space, each with its own
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

    private async Task<OpOutcome> WriteOutcomeAsync(Func<Task<ClientResponse>> write)
    {
        try
        {
            var response = await write().ConfigureAwait(false);
            switch (response.Status)
            {
                case ClientStatus.Ok or ClientStatus.NotFound:
                    return OpOutcome.Ok;
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
