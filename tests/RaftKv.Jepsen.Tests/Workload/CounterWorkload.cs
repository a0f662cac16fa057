using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Linearizability;

namespace RaftKv.Jepsen.Tests.Workload;

/// <summary>
/// Clients incrementing one counter by compare-and-set: read it (value, version, mod revision), then set value + 1
/// guarded by the mod revision or the version just read, retrying from the read when the condition failed. Every
/// operation is recorded in the <see cref="KvWorkload"/>'s history, so the linearizability check covers it; and
/// <see cref="Verify"/> holds the final value to the increments: each acknowledged one counted once (no lost
/// update, none applied twice), each of unknown outcome at most once.
/// </summary>
public sealed class CounterWorkload(KvWorkload recorder, int seed)
{
    /// <summary>The counter's key; no other workload touches it.</summary>
    public const string Key = "counter";

    private long _acknowledged;
    private long _unknown;
    private long _conditionFailed;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Unknown => Interlocked.Read(ref _unknown);
    public long ConditionFailed => Interlocked.Read(ref _conditionFailed);

    /// <summary>Runs <paramref name="clients"/> incrementing clients (history ids from <paramref name="firstClient"/>) until <paramref name="stopStarting"/>.</summary>
    public Task RunAsync(int clients, int firstClient, CancellationToken stopStarting) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => RunClientAsync(firstClient + c, stopStarting), CancellationToken.None)));

    /// <summary>Null when <paramref name="finalValue"/> (the counter's final linearizable read, JSON text) accounts for every increment; else why not.</summary>
    public string? Verify(string? finalValue)
    {
        long final = finalValue is null ? 0 : long.Parse(finalValue, CultureInfo.InvariantCulture);
        if (final < Acknowledged)
            return $"counter: final value {final} but {Acknowledged} increments were acknowledged: {Acknowledged - final} lost";
        if (final > Acknowledged + Unknown)
            return $"counter: final value {final} but only {Acknowledged} increments were acknowledged and {Unknown} of unknown outcome: an increment was applied twice";
        return null;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"counter: {Acknowledged} increments acknowledged, {Unknown} of unknown outcome, {ConditionFailed} lost the race (condition failed)");

    private async Task RunClientAsync(int client, CancellationToken stopStarting)
    {
        var random = new Random(unchecked((seed * 31) + client));
        // A longer budget than the mixed clients: an increment that ends Unknown widens what the final value may be.
        await using var raft = new RaftClient(new RaftClientOptions
        {
            Servers = recorder.Servers,
            Timeout = TimeSpan.FromSeconds(10),
            RequestTimeout = TimeSpan.FromSeconds(1),
        });
        while (!stopStarting.IsCancellationRequested)
        {
            var read = await recorder.ReadAsync(raft, client, Key, CancellationToken.None).ConfigureAwait(false);
            if (read is not null)
            {
                long value = read.Value is null ? 0 : long.Parse(read.Value, CultureInfo.InvariantCulture);
                var guard = random.Next(2) == 0 ? new Guard { IfModRevision = read.ModRevision } : new Guard { IfVersion = read.Version };
                var outcome = await recorder.GuardedSetAsync(raft, client, Key, JsonSerializer.SerializeToElement(value + 1), guard, CancellationToken.None).ConfigureAwait(false);
                switch (outcome)
                {
                    case OpOutcome.Ok: Interlocked.Increment(ref _acknowledged); break;
                    case OpOutcome.Unknown: Interlocked.Increment(ref _unknown); break;
                    case OpOutcome.ConditionFailed: Interlocked.Increment(ref _conditionFailed); break;
                }
            }

            try
            {
                await Task.Delay(random.Next(0, 4), stopStarting).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
