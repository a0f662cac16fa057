using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Bench;

/// <summary>
/// Runs the closed loop of <c>raftctl bench</c>: <see cref="BenchOptions.Clients"/> logical clients, each
/// issuing its next operation as soon as the previous one was answered, through the normal client path
/// (<see cref="RaftClient"/>: the same protocol, Raft log and fsync before acknowledgement as any user).
/// Clients are spread round robin over the given <see cref="RaftClient"/> instances. Each client keeps its
/// own histogram and counters, merged at the end, so the loop shares nothing but the stop condition.
/// </summary>
public sealed class BenchRunner
{
    private readonly BenchOptions _options;
    private readonly IReadOnlyList<RaftClient> _clients;
    private readonly JsonElement _value;
    private readonly string _keyFormat;
    private readonly bool[] _written;
    private long _claimed;
    private long _completed;
    private long _failed;
    private long _startTimestamp;

    public BenchRunner(BenchOptions options, IReadOnlyList<RaftClient> clients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clients);
        options.Validate();
        if (clients.Count == 0) throw new ArgumentException("at least one client is needed", nameof(clients));
        _options = options;
        _clients = clients;
        _value = ValueOfSize(options.ValueSize);
        _keyFormat = "D" + options.KeySize.ToString(CultureInfo.InvariantCulture);
        _written = options.Cleanup ? new bool[options.KeySpace] : [];
    }

    /// <summary>Operations answered so far (successes and failures), for the progress bar.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Operations that failed so far.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Time since the measured run started (zero before).</summary>
    public TimeSpan Elapsed => Volatile.Read(ref _startTimestamp) is var start and > 0 ? Stopwatch.GetElapsedTime(start) : TimeSpan.Zero;

    /// <summary>The key of number <paramref name="n"/>: the prefix, then the number zero-padded to the key size.</summary>
    public string KeyOf(int n) => _options.Prefix + n.ToString(_keyFormat, CultureInfo.InvariantCulture);

    /// <summary>Keys this run may have written (attempted writes count: an unanswered one may have been applied).</summary>
    public IEnumerable<string> WrittenKeys() => Enumerable.Range(0, _written.Length).Where(n => Volatile.Read(ref _written[n])).Select(KeyOf);

    /// <summary>
    /// Deletes every key the run may have written (<see cref="BenchOptions.Cleanup"/>), a few at a time on each client.
    /// Returns how many were deleted (keys already gone count too).
    /// </summary>
    public async Task<int> CleanupAsync(CancellationToken cancellationToken)
    {
        var keys = WrittenKeys().ToList();
        var next = -1;
        var deleted = 0;
        var workers = Enumerable.Range(0, Math.Min(keys.Count, _clients.Count * 8)).Select(async worker =>
        {
            var client = _clients[worker % _clients.Count];
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Count)
            {
                var response = await client.DeleteAsync(keys[i], cancellationToken).ConfigureAwait(false);
                if (response.Status is ClientStatus.Ok or ClientStatus.NotFound) Interlocked.Increment(ref deleted);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>
    /// One untimed write per client instance, so that finding the leader and dialling it are not
    /// counted as the latency of the first operations. Throws <see cref="ClusterUnavailableException"/>
    /// when the cluster cannot take a write.
    /// </summary>
    public Task WarmUpAsync(CancellationToken cancellationToken)
    {
        MarkWritten(0);
        return Task.WhenAll(_clients.Select(c => c.SetAsync(KeyOf(0), _value, cancellationToken)));
    }

    private void MarkWritten(int n)
    {
        if (_written.Length > 0) Volatile.Write(ref _written[n], true);
    }

    /// <summary>Runs until the total or duration is reached, or until <paramref name="cancellationToken"/> (then the result says interrupted).</summary>
    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _startTimestamp, Stopwatch.GetTimestamp());
        var workers = Enumerable.Range(0, _options.Clients)
            .Select(i => Task.Run(() => RunClientAsync(i, _clients[i % _clients.Count], cancellationToken), CancellationToken.None))
            .ToArray();
        var results = await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(_startTimestamp);

        var latency = new LatencyHistogram();
        var writes = new LatencyHistogram();
        var reads = new LatencyHistogram();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            writes.Add(r.Writes);
            reads.Add(r.Reads);
            foreach (var (kind, count) in r.Errors) errors[kind] = errors.GetValueOrDefault(kind) + count;
        }
        latency.Add(writes);
        latency.Add(reads);
        return new BenchResult
        {
            Options = _options,
            Writes = writes.Count,
            Reads = reads.Count,
            Elapsed = elapsed,
            Latency = latency,
            WriteLatency = writes,
            ReadLatency = reads,
            Errors = errors,
            Interrupted = cancellationToken.IsCancellationRequested,
        };
    }

    private async Task<ClientStats> RunClientAsync(int index, RaftClient client, CancellationToken cancellationToken)
    {
        // A fixed seed per client: two runs with the same options issue the same operations.
        var random = new Random(index + 1);
        var stats = new ClientStats();
        while (!cancellationToken.IsCancellationRequested && TryClaim())
        {
            var isRead = random.NextDouble() < _options.ReadRatio;
            var number = random.Next(_options.KeySpace);
            var key = KeyOf(number);
            if (!isRead) MarkWritten(number);
            var start = Stopwatch.GetTimestamp();
            string? error;
            try
            {
                var response = isRead
                    ? await client.GetAsync(key, _options.Stale, cancellationToken).ConfigureAwait(false)
                    : await client.SetAsync(key, _value, cancellationToken).ConfigureAwait(false);
                error = response.Status == ClientStatus.Ok || (isRead && response.Status == ClientStatus.NotFound) ? null : KindOf(response.Status);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (ClusterUnavailableException e)
            {
                error = e.OutcomeUnknown ? "unavailable (outcome unknown)" : "unavailable";
            }

            var micros = Stopwatch.GetElapsedTime(start).Ticks / (TimeSpan.TicksPerMillisecond / 1000);
            Interlocked.Increment(ref _completed);
            if (error is null)
            {
                (isRead ? stats.Reads : stats.Writes).Record(micros);
            }
            else
            {
                Interlocked.Increment(ref _failed);
                stats.Errors[error] = stats.Errors.GetValueOrDefault(error) + 1;
            }
        }
        return stats;
    }

    private bool TryClaim()
    {
        if (_options.EffectiveTotal is long total) return Interlocked.Increment(ref _claimed) <= total;
        return Stopwatch.GetElapsedTime(_startTimestamp) < _options.Duration!.Value;
    }

    /// <summary>The status as it is spelled on the wire (PROTOCOL.md): notLeader, unavailable, badRequest.</summary>
    private static string KindOf(ClientStatus status)
    {
        var name = status.ToString();
        return string.Concat(name[..1].ToLowerInvariant(), name.AsSpan(1));
    }

    private static JsonElement ValueOfSize(int size)
    {
        // Printable, varied characters: a run of one letter would flatter any compression on the path.
        var chars = new char[size];
        for (var i = 0; i < size; i++) chars[i] = (char)('a' + (i * 7 % 26));
        var json = JsonSerializer.Serialize(new string(chars), BenchJsonContext.Default.String);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
