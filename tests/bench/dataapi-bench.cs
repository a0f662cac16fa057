#:project ../../src/RaftKv.Client/RaftKv.Client.csproj
// Measures the data API on a running cluster (docs/BENCHMARKS.md "Data API"):
//   dotnet run tests/bench/dataapi-bench.cs -- SERVERS_FILE [SECONDS]
// 1. linearizable 100-key prefix range reads/s (16 clients), 2. guarded writes (CAS) /s at 64 clients,
// 3. watch latency: write acknowledged -> event received by a watcher in the same process, p50/p99.
using System.Diagnostics;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;

var servers = ServerList.Load(args[0]).Addresses;
var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
var duration = TimeSpan.FromSeconds(seconds);
JsonElement Num(long n) => JsonElement.Parse(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
RaftClient NewClient() => new(new RaftClientOptions { Servers = servers, Timeout = TimeSpan.FromSeconds(30) });

// ---- 1. prefix ranges
await using (var client = NewClient())
{
    await client.DeletePrefixAsync("bench/", CancellationToken.None);
    var loads = new List<Task>();
    for (var i = 0; i < 100; i++) loads.Add(client.SetAsync($"bench/range/{i:D3}", JsonElement.Parse("\"" + new string('v', 64) + "\""), CancellationToken.None));
    for (var i = 0; i < 2000; i++) loads.Add(client.SetAsync($"bench/other/{i:D5}", Num(i), CancellationToken.None));
    await Task.WhenAll(loads);
    var query = new RangeQuery { Prefix = "bench/range/" };
    var check = await client.RangeAsync(query, false, CancellationToken.None);
    if (check.Count != 100) throw new InvalidOperationException($"expected 100 keys, got {check.Count}");
    foreach (var stale in new[] { false, true })
    {
        var latencies = new List<double>();
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            var mine = new List<double>();
            while (sw.Elapsed < duration)
            {
                var t = Stopwatch.GetTimestamp();
                var r = await client.RangeAsync(query, stale, CancellationToken.None);
                if (r.Kvs?.Length != 100) throw new InvalidOperationException("short range");
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            return mine;
        }).ToArray();
        foreach (var w in await Task.WhenAll(workers)) latencies.AddRange(w);
        latencies.Sort();
        Console.WriteLine($"range 100 keys{(stale ? " --stale" : "")}: {latencies.Count / sw.Elapsed.TotalSeconds:0} reads/s, p50 {Pct(latencies, 0.5):0.00} ms, p99 {Pct(latencies, 0.99):0.00} ms (16 clients)");
    }
}

// ---- 2. CAS at 64 clients: each client owns a counter and increments it with --if-version
{
    var clients = Enumerable.Range(0, 4).Select(_ => NewClient()).ToArray();
    var latencies = new List<double>();
    long conflicts = 0;
    var sw = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, 64).Select(async c =>
    {
        var client = clients[c % clients.Length];
        var key = $"bench/cas/{c}";
        var first = await client.SetAsync(key, Num(0), new WriteOptions { IfAbsent = true }, CancellationToken.None);
        long version = 1, value = 0;
        var mine = new List<double>();
        while (sw.Elapsed < duration)
        {
            var t = Stopwatch.GetTimestamp();
            var r = await client.SetAsync(key, Num(value + 1), new WriteOptions { IfVersion = version }, CancellationToken.None);
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (r.Status == ClientStatus.Ok) { value++; version++; }
            else { Interlocked.Increment(ref conflicts); var g = await client.GetAsync(key, false, CancellationToken.None); version = g.Kv!.Version; value = g.Value!.Value.GetInt64(); }
        }
        return mine;
    }).ToArray();
    foreach (var w in await Task.WhenAll(workers)) latencies.AddRange(w);
    latencies.Sort();
    Console.WriteLine($"CAS (set --if-version), 64 clients: {latencies.Count / sw.Elapsed.TotalSeconds:0} ops/s, p50 {Pct(latencies, 0.5):0.00} ms, p99 {Pct(latencies, 0.99):0.00} ms, conflicts {conflicts}");
    foreach (var c in clients) await c.DisposeAsync();
}

// ---- 3. watch latency: ack of a write -> its event at a watcher (another client, its own connection)
{
    await using var writer = NewClient();
    await using var watcherClient = NewClient();
    var received = new Dictionary<long, long>();
    var started = new TaskCompletionSource();
    using var stop = new CancellationTokenSource();
    var watch = Task.Run(async () =>
    {
        try
        {
            await foreach (var e in watcherClient.WatchAsync("bench/watch/", true, null, stop.Token, _ => started.TrySetResult()))
                lock (received) received[e.Value!.Value.GetInt64()] = Stopwatch.GetTimestamp();
        }
        catch (OperationCanceledException) { }
    });
    await started.Task;
    var acked = new Dictionary<long, long>();
    const int Writes = 2000;
    for (var i = 0; i < Writes; i++)
    {
        await writer.SetAsync($"bench/watch/{i % 10}", Num(i), CancellationToken.None);
        acked[i] = Stopwatch.GetTimestamp();
    }
    var deadline = Stopwatch.StartNew();
    while (true) { lock (received) if (received.Count >= Writes) break; if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("events missing"); await Task.Delay(10); }
    await stop.CancelAsync();
    await watch;
    var latencies = acked.Select(a => Math.Max(0, Stopwatch.GetElapsedTime(a.Value, received[a.Key]).TotalMilliseconds)).ToList();
    latencies.Sort();
    var early = acked.Count(a => received[a.Key] <= a.Value);
    Console.WriteLine($"watch: write ack -> event, {Writes} sequential writes: p50 {Pct(latencies, 0.5):0.00} ms, p99 {Pct(latencies, 0.99):0.00} ms ({early} events arrived before their ack)");
}

await using (var cleanup = NewClient()) await cleanup.DeletePrefixAsync("bench/", CancellationToken.None);
