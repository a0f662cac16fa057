using System.Collections.Concurrent;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Cluster.Tests.Support;

/// <summary>
/// What a set of writers did: for each key, the highest value acknowledged and the highest value
/// attempted (a write whose outcome is unknown may have been applied). Each key has one writer that
/// writes increasing numbers one at a time, so after any crash the key must hold a number between the two.
/// </summary>
public sealed class AckedWrites
{
    private readonly ConcurrentDictionary<string, long> _acked = new();
    private readonly ConcurrentDictionary<string, long> _attempted = new();
    private int _ackCount;

    public int AckCount => Volatile.Read(ref _ackCount);

    public IReadOnlyDictionary<string, long> Acked => _acked;

    /// <summary>
    /// Writes key <c>{prefix}-{i % keys}</c> := i for i = 1, 2, ... until cancelled or until a write fails,
    /// recording each acknowledgement. Returns the number of acknowledged writes.
    /// </summary>
    public async Task<int> WriteUntilStoppedAsync(RaftClient client, string prefix, int keys, CancellationToken stop)
    {
        var done = 0;
        for (long i = 1; !stop.IsCancellationRequested; i++)
        {
            var key = $"{prefix}-{i % keys}";
            _attempted[key] = i;
            try
            {
                var response = await client.SetAsync(key, Json.Number(i), stop);
                if (response.Status != ClientStatus.Ok) throw new InvalidOperationException($"set {key} = {i}: {response.Status} {response.Error}");
                _acked[key] = i;
                Interlocked.Increment(ref _ackCount);
                done++;
            }
            catch (Exception e) when (e is OperationCanceledException or ClusterUnavailableException or ObjectDisposedException)
            {
                // Cancelled or the cluster went away mid-write: the outcome of i is unknown, and that is allowed.
                break;
            }
        }
        return done;
    }

    /// <summary>Checks <paramref name="values"/> against what was acknowledged; returns the problems found (none when all is well).</summary>
    public List<string> Check(IReadOnlyDictionary<string, System.Text.Json.JsonElement> values)
    {
        var problems = new List<string>();
        foreach (var (key, acked) in _acked)
        {
            if (!values.TryGetValue(key, out var value))
            {
                problems.Add($"{key}: acknowledged {acked}, but the key is missing");
                continue;
            }
            var stored = value.GetInt64();
            var attempted = _attempted[key];
            if (stored < acked || stored > attempted)
                problems.Add($"{key}: holds {stored}; acknowledged up to {acked}, attempted up to {attempted}");
        }
        return problems;
    }
}
