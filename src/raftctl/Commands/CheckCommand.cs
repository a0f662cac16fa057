using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Linearizability;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>check</c>: proves a live cluster linearizable for a while. Several concurrent clients run a random mix of
/// sets, reads, deletes, compare-and-sets (a read, then a set guarded by the mod revision, version or value it
/// saw) and single-key transactions on a few scratch keys, the history is recorded (start and end of every
/// operation, what it returned, and whether its outcome is known), then checked with the linearizability checker
/// (src/RaftKv.Linearizability); the scratch keys are deleted at the end. Run it during a fault drill.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(Cli cli)
    {
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", HelpName = "N", DefaultValueFactory = _ => 4 };
        var duration = new Option<double>("--duration") { Description = "Seconds of workload", HelpName = "SECONDS", DefaultValueFactory = _ => 5 };
        var keys = new Option<int>("--keys") { Description = "Scratch keys the clients share (fewer keys, more contention)", HelpName = "N", DefaultValueFactory = _ => 3 };
        var prefix = new Option<string?>("--prefix") { Description = "Key prefix of the scratch keys [default: check/<random>/]", HelpName = "PREFIX" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the random operation mix (printed, to repeat a run's mix)", HelpName = "N" };
        var keep = new Option<bool>("--keep") { Description = "Do not delete the scratch keys afterwards" };
        var save = new Option<string?>("--save") { Description = "Write the recorded history to FILE (JSON lines) for later study", HelpName = "FILE" };
        var ops = new Option<string>("--ops")
        {
            Description = "Operations in the mix, comma-separated: set, get, delete, cas (read, then a guarded set), txn (a guarded single-key transaction)",
            HelpName = "LIST",
            DefaultValueFactory = _ => string.Join(',', CheckMix.All),
        };
        var command = new Command("check", "Run a short concurrent workload (set, get, delete, compare-and-set, transactions) on scratch keys and verify the history is linearizable");
        foreach (var o in new Option[] { clients, duration, keys, prefix, seed, ops, keep, save }) command.Options.Add(o);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var n = context.Get(clients);
            var seconds = context.Get(duration);
            var keyCount = context.Get(keys);
            if (n is < 1 or > 256) throw new UsageException($"--clients must be between 1 and 256, not {n}");
            if (!double.IsFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageException($"--duration must be between 0 and 3600 seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
            if (keyCount is < 1 or > 1000) throw new UsageException($"--keys must be between 1 and 1000, not {keyCount}");
            var keyPrefix = context.Get(prefix) ?? $"check/{Guid.NewGuid().ToString("N")[..8]}/";
            if (keyPrefix.Length == 0) throw new UsageException("--prefix must not be empty");
            var runSeed = context.Get(seed) ?? Random.Shared.Next();
            var mix = CheckMix.Parse(context.Get(ops) ?? string.Empty);
            var scratch = Enumerable.Range(0, keyCount).Select(i => $"{keyPrefix}{i}").ToArray();

            var client = context.Client;
            // The first write is not timed: it finds the leader (and fails fast with exit 3 when no node answers).
            var first = await client.SetAsync(scratch[0], JsonDocument.Parse("\"start\"").RootElement, cancellationToken).ConfigureAwait(false);
            if (first.Status != ClientStatus.Ok) return context.Unexpected(first);

            if (!context.Json)
                context.Output.WriteLine($"checking: {n} clients, {seconds.ToString(CultureInfo.InvariantCulture)} s, keys {keyPrefix}0..{keyCount - 1}, ops {string.Join(',', mix)}, seed {runSeed}");
            var history = new History();
            var start = history.Invoke(0, OpKind.Set, scratch[0], "\"start\"");
            history.Complete(start, OpOutcome.Ok);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            await Task.WhenAll(Enumerable.Range(1, n).Select(id => RunClientAsync(client, history, id, scratch, mix, runSeed + id, stop.Token, cancellationToken))).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            var operations = history.Operations;
            if (context.Get(save) is { } file) history.SaveJsonLines(file);
            var result = LinearizabilityChecker.Check(operations, TimeSpan.FromSeconds(60));

            if (!context.Get(keep))
            {
                foreach (var key in scratch)
                {
                    try
                    {
                        await client.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ClusterUnavailableException e)
                    {
                        context.Error.WriteLine($"warning: could not delete scratch key {key}: {e.Message}");
                    }
                }
            }

            var ok = operations.Count(o => o.Outcome == OpOutcome.Ok);
            var conditionFailed = operations.Count(o => o.Outcome == OpOutcome.ConditionFailed);
            var guarded = operations.Count(o => o.Guard is not null);
            var transactions = operations.Count(o => o.Kind == OpKind.Txn);
            var unknown = operations.Count(o => o.Outcome == OpOutcome.Unknown);
            var failed = operations.Count(o => o.Outcome == OpOutcome.Failed);
            if (context.Json)
            {
                context.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("linearizable", result.IsLinearizable);
                    writer.WriteBoolean("timedOut", result.TimedOut);
                    writer.WriteNumber("operations", operations.Count);
                    writer.WriteNumber("ok", ok);
                    writer.WriteNumber("conditionFailed", conditionFailed);
                    writer.WriteNumber("compareAndSet", guarded);
                    writer.WriteNumber("txn", transactions);
                    writer.WriteNumber("unknown", unknown);
                    writer.WriteNumber("failed", failed);
                    writer.WriteNumber("seed", runSeed);
                    writer.WriteString("prefix", keyPrefix);
                    if (result.Counterexample is { } why) writer.WriteString("counterexample", why);
                    writer.WriteEndObject();
                });
            }
            else
            {
                context.Output.WriteLine($"{operations.Count} operations ({guarded} compare-and-set, {transactions} txn): {ok} ok, {conditionFailed} condition failed, {unknown} of unknown outcome, {failed} failed; checked in {result.Elapsed.TotalMilliseconds:0} ms");
                if (result.IsLinearizable) context.Output.WriteLine("linearizable: yes");
                else if (result.TimedOut) context.Output.WriteLine("linearizable: unknown (the check did not finish in 60 s; try fewer clients or a shorter --duration)");
                else
                {
                    context.Output.WriteLine("linearizable: NO");
                    context.Output.WriteLine(result.Counterexample);
                }
            }
            return result.IsLinearizable ? ExitCodes.Success : ExitCodes.NotLinearizable;
        });
        return command;
    }

    /// <summary>
    /// One client: a random mix of the chosen operations (weights: set 3, get 4, delete 2, cas 2, txn 1), one at a
    /// time, until told to stop.
    /// </summary>
    private static async Task RunClientAsync(RaftClient client, History history, int id, string[] keys, IReadOnlyList<string> mix, int seed, CancellationToken stop, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var writes = 0;
        var weighted = mix.SelectMany(op => Enumerable.Repeat(op, CheckMix.Weight(op))).ToArray();
        while (!stop.IsCancellationRequested)
        {
            var key = keys[random.Next(keys.Length)];
            switch (weighted[random.Next(weighted.Length)])
            {
                case CheckMix.Set:
                {
                    var text = $"{{\"client\":{id},\"n\":{++writes}}}";
                    var handle = history.Invoke(id, OpKind.Set, key, text);
                    history.Complete(handle, await OutcomeAsync(() => client.SetAsync(key, JsonDocument.Parse(text).RootElement, cancellationToken), write: true).ConfigureAwait(false));
                    break;
                }
                case CheckMix.Get:
                    await ReadAsync(client, history, id, key, cancellationToken).ConfigureAwait(false);
                    break;
                case CheckMix.Delete:
                {
                    var handle = history.Invoke(id, OpKind.Delete, key, null);
                    history.Complete(handle, await OutcomeAsync(() => client.DeleteAsync(key, cancellationToken), write: true).ConfigureAwait(false));
                    break;
                }
                case CheckMix.Cas:
                    if (await ReadAsync(client, history, id, key, cancellationToken).ConfigureAwait(false) is { } read)
                        await CompareAndSetAsync(client, history, id, key, $"{{\"client\":{id},\"n\":{++writes}}}", read, random, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (await ReadAsync(client, history, id, key, cancellationToken).ConfigureAwait(false) is { } seen)
                        await TxnAsync(client, history, id, key, $"{{\"client\":{id},\"n\":{++writes}}}", seen, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>A linearizable get, recorded with the version and mod revision read; null when it got no answer.</summary>
    private static async Task<KeyRead?> ReadAsync(RaftClient client, History history, int id, string key, CancellationToken cancellationToken)
    {
        var handle = history.Invoke(id, OpKind.Get, key, null);
        try
        {
            var response = await client.GetAsync(key, stale: false, cancellationToken).ConfigureAwait(false);
            KeyRead? read = response.Status switch
            {
                ClientStatus.Ok when response.Kv is { } kv => Read(kv),
                ClientStatus.Ok => new KeyRead(Canonical(response.Value!.Value)),
                ClientStatus.NotFound => new KeyRead(null, 0, 0),
                _ => null,
            };
            if (read is null) history.Complete(handle, OpOutcome.Failed);
            else history.CompleteRead(handle, read);
            return read;
        }
        catch (ClusterUnavailableException)
        {
            history.Complete(handle, OpOutcome.Unknown);
            return null;
        }
    }

    /// <summary>A set guarded by what <paramref name="read"/> saw: its mod revision, its version, or its value (absent: if absent).</summary>
    private static async Task CompareAndSetAsync(RaftClient client, History history, int id, string key, string text, KeyRead read, Random random, CancellationToken cancellationToken)
    {
        var guard = (read.Value, random.Next(3)) switch
        {
            (null, _) => new Guard { IfAbsent = true },
            (_, 0) when read.ModRevision is { } revision => new Guard { IfModRevision = revision },
            (_, 1) when read.Version is { } version => new Guard { IfVersion = version },
            _ => new Guard { IfValue = read.Value },
        };
        var options = new WriteOptions
        {
            IfAbsent = guard.IfAbsent,
            IfVersion = guard.IfVersion,
            IfModRevision = guard.IfModRevision,
            IfValue = guard.IfValue is { } v ? JsonDocument.Parse(v).RootElement : null,
        };
        var handle = history.Invoke(id, OpKind.Set, key, text, guard);
        ClientResponse? response = null;
        var outcome = await OutcomeAsync(async () => response = await client.SetAsync(key, JsonDocument.Parse(text).RootElement, options, cancellationToken).ConfigureAwait(false), write: true).ConfigureAwait(false);
        // Without kv the answer was replayed from the session, or the key is absent: it shows nothing more.
        if (response?.Status == ClientStatus.ConditionFailed) history.CompleteConditionFailed(handle, response.Kv is { } kv ? Read(kv) : null);
        else history.Complete(handle, outcome);
    }

    /// <summary>
    /// A single-key transaction (so that keys stay independent for the checker): if the key still has the mod
    /// revision just read, set it and read it back; otherwise read it.
    /// </summary>
    private static async Task TxnAsync(RaftClient client, History history, int id, string key, string text, KeyRead read, CancellationToken cancellationToken)
    {
        var revision = read.ModRevision ?? 0;
        var txn = new TxnRequest(
            [new TxnCompare(key, CompareTarget.ModRevision, CompareOp.Equal, revision)],
            [new TxnStep(OpKind.Set, key, text), new TxnStep(OpKind.Get, key)],
            [new TxnStep(OpKind.Get, key)]);
        var keyText = JsonEncodedText.Encode(key);
        var document = JsonDocument.Parse(
            $"{{\"compare\":[{{\"key\":\"{keyText}\",\"target\":\"modRevision\",\"op\":\"=\",\"value\":{revision.ToString(CultureInfo.InvariantCulture)}}}]," +
            $"\"success\":[{{\"op\":\"set\",\"key\":\"{keyText}\",\"value\":{text}}},{{\"op\":\"get\",\"key\":\"{keyText}\"}}]," +
            $"\"failure\":[{{\"op\":\"get\",\"key\":\"{keyText}\"}}]}}").RootElement;
        var handle = history.InvokeTxn(id, txn);
        ClientResponse? response = null;
        var outcome = await OutcomeAsync(async () => response = await client.TxnAsync(document, cancellationToken).ConfigureAwait(false), write: true).ConfigureAwait(false);
        if (outcome == OpOutcome.Ok && response?.Succeeded is { } succeeded)
        {
            // One get per branch; an answer replayed from the session has no responses, and then reads are not checked.
            var reads = response.Responses?.Where(r => r.Op == "get").Select(r => r.Kvs is [{ } kv] ? Read(kv) : new KeyRead(null, 0, 0)).ToList();
            history.CompleteTxn(handle, succeeded, reads);
        }
        else
        {
            history.Complete(handle, outcome == OpOutcome.Ok ? OpOutcome.Unknown : outcome);
        }
    }

    private static KeyRead Read(KeyValue kv) => new(kv.Value is { } value ? Canonical(value) : "null", kv.Version, kv.ModRevision);

    private static async Task<OpOutcome> OutcomeAsync(Func<Task<ClientResponse>> call, bool write)
    {
        try
        {
            var response = await call().ConfigureAwait(false);
            return response.Status switch
            {
                ClientStatus.Ok or ClientStatus.NotFound => OpOutcome.Ok,
                ClientStatus.ConditionFailed => OpOutcome.ConditionFailed,
                ClientStatus.BadRequest or ClientStatus.NotLeader => OpOutcome.Failed,
                _ => write ? OpOutcome.Unknown : OpOutcome.Failed,
            };
        }
        catch (ClusterUnavailableException e)
        {
            return e.OutcomeUnknown || write ? OpOutcome.Unknown : OpOutcome.Failed;
        }
    }

    private static string Canonical(JsonElement value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) value.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
