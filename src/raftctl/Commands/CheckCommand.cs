using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Linearizability;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>check</c>: proves a live cluster linearizable for a while. Several concurrent clients run a random mix of
/// writes, reads and deletes on a few scratch keys, the history is recorded (start and end of every operation,
/// what it returned, and whether its outcome is known), then checked with the linearizability checker
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
        var command = new Command("check", "Run a short concurrent read/write/delete workload on scratch keys and verify the history is linearizable");
        foreach (var o in new Option[] { clients, duration, keys, prefix, seed, keep, save }) command.Options.Add(o);
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
            var scratch = Enumerable.Range(0, keyCount).Select(i => $"{keyPrefix}{i}").ToArray();

            var client = context.Client;
            // The first write is not timed: it finds the leader (and fails fast with exit 3 when no node answers).
            var first = await client.SetAsync(scratch[0], JsonDocument.Parse("\"start\"").RootElement, cancellationToken).ConfigureAwait(false);
            if (first.Status != ClientStatus.Ok) return context.Unexpected(first);

            if (!context.Json)
                context.Output.WriteLine($"checking: {n} clients, {seconds.ToString(CultureInfo.InvariantCulture)} s, keys {keyPrefix}0..{keyCount - 1}, seed {runSeed}");
            var history = new History();
            var start = history.Invoke(0, OpKind.Set, scratch[0], "\"start\"");
            history.Complete(start, OpOutcome.Ok);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            await Task.WhenAll(Enumerable.Range(1, n).Select(id => RunClientAsync(client, history, id, scratch, runSeed + id, stop.Token, cancellationToken))).ConfigureAwait(false);
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
                context.Output.WriteLine($"{operations.Count} operations: {ok} ok, {unknown} of unknown outcome, {failed} failed; checked in {result.Elapsed.TotalMilliseconds:0} ms");
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

    /// <summary>One client: a random mix of set (40%), get (40%) and delete (20%), one operation at a time, until told to stop.</summary>
    private static async Task RunClientAsync(RaftClient client, History history, int id, string[] keys, int seed, CancellationToken stop, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var writes = 0;
        while (!stop.IsCancellationRequested)
        {
            var key = keys[random.Next(keys.Length)];
            var roll = random.Next(10);
            if (roll < 4)
            {
                var text = $"{{\"client\":{id},\"n\":{++writes}}}";
                var handle = history.Invoke(id, OpKind.Set, key, text);
                history.Complete(handle, await OutcomeAsync(() => client.SetAsync(key, JsonDocument.Parse(text).RootElement, cancellationToken), write: true).ConfigureAwait(false));
            }
            else if (roll < 8)
            {
                var handle = history.Invoke(id, OpKind.Get, key, null);
                try
                {
                    var response = await client.GetAsync(key, stale: false, cancellationToken).ConfigureAwait(false);
                    if (response.Status == ClientStatus.Ok) history.Complete(handle, OpOutcome.Ok, Canonical(response.Value!.Value));
                    else if (response.Status == ClientStatus.NotFound) history.Complete(handle, OpOutcome.Ok, readValue: null);
                    else history.Complete(handle, OpOutcome.Failed);
                }
                catch (ClusterUnavailableException)
                {
                    history.Complete(handle, OpOutcome.Unknown);
                }
            }
            else
            {
                var handle = history.Invoke(id, OpKind.Delete, key, null);
                history.Complete(handle, await OutcomeAsync(() => client.DeleteAsync(key, cancellationToken), write: true).ConfigureAwait(false));
            }
        }
    }

    private static async Task<OpOutcome> OutcomeAsync(Func<Task<ClientResponse>> call, bool write)
    {
        try
        {
            var response = await call().ConfigureAwait(false);
            return response.Status switch
            {
                ClientStatus.Ok or ClientStatus.NotFound => OpOutcome.Ok,
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
