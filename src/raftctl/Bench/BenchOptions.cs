using System.Globalization;
using RaftKv.Client;

namespace RaftKv.Ctl.Bench;

/// <summary>
/// What <c>raftctl bench</c> runs: how many closed-loop clients, for how long (a number of operations
/// or seconds), and what each operation looks like. <see cref="Validate"/> names the first bad value.
/// </summary>
public sealed record BenchOptions
{
    public const int DefaultClients = 16;
    public const long DefaultTotal = 10_000;
    public const int DefaultKeySize = 16;
    public const int DefaultValueSize = 256;
    public const int DefaultKeySpace = 10_000;
    public const string DefaultPrefix = "bench/";

    /// <summary>More clients than this is a typo, not a benchmark: each is a task with its own session on the servers.</summary>
    public const int MaxClients = 10_000;

    /// <summary>The value is sent as a JSON string of this many characters; its quotes must fit under the 1 MiB limit too.</summary>
    public const int MaxValueSize = ClientLimits.MaxValueBytes - 2;

    /// <summary>Concurrent logical clients; each has one operation in flight at a time (closed loop).</summary>
    public int Clients { get; init; } = DefaultClients;

    /// <summary>
    /// How many <see cref="RaftClient"/> instances (each with its own connection to the leader) the clients
    /// are spread over, round robin. Null: <see cref="EffectiveConnections"/> picks.
    /// </summary>
    public int? Connections { get; init; }

    /// <summary>Stop after this many operations (successful or not). Exclusive with <see cref="Duration"/>.</summary>
    public long? Total { get; init; }

    /// <summary>Stop issuing operations after this long; operations already in flight finish. Exclusive with <see cref="Total"/>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Bytes of every key (ASCII, so characters too): the key number, zero-padded on the left.</summary>
    public int KeySize { get; init; } = DefaultKeySize;

    /// <summary>Characters of the JSON string stored by every write (ASCII, so bytes too, plus two quotes on the wire).</summary>
    public int ValueSize { get; init; } = DefaultValueSize;

    /// <summary>Keys are drawn uniformly from 0..KeySpace-1.</summary>
    public int KeySpace { get; init; } = DefaultKeySpace;

    /// <summary>Fraction of operations that are reads (0: only writes, 1: only reads).</summary>
    public double ReadRatio { get; init; }

    /// <summary>Reads may be served by any node from its own state (no ReadIndex round).</summary>
    public bool Stale { get; init; }

    /// <summary>Every key is this prefix followed by the zero-padded key number.</summary>
    public string Prefix { get; init; } = DefaultPrefix;

    /// <summary>Delete the keys the run wrote when it is done.</summary>
    public bool Cleanup { get; init; }

    /// <summary>
    /// Clients per connection when <see cref="Connections"/> is not given. One shared pipelined connection
    /// batches many requests into one syscall, but one reader loop then decodes every answer; measured on
    /// loopback (docs/BENCHMARKS.md), a handful of connections beat both one and one per client.
    /// </summary>
    public const int DefaultClientsPerConnection = 16;

    public int EffectiveConnections => Connections ?? Math.Max(1, (Clients + DefaultClientsPerConnection - 1) / DefaultClientsPerConnection);

    /// <summary>The total when neither a total nor a duration was given (as etcd's benchmark tool).</summary>
    public long? EffectiveTotal => Total ?? (Duration is null ? DefaultTotal : null);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is wrong and why.</summary>
    public void Validate()
    {
        if (Clients < 1 || Clients > MaxClients)
            throw new ArgumentException($"--clients must be between 1 and {MaxClients}, not {Clients}");
        if (Connections is int connections && (connections < 1 || connections > Clients))
            throw new ArgumentException($"--connections must be between 1 and --clients ({Clients}), not {connections}");
        if (Total is not null && Duration is not null)
            throw new ArgumentException("give either --total or --duration, not both");
        if (Total is long total && total < 1)
            throw new ArgumentException($"--total must be at least 1, not {total}");
        if (Duration is TimeSpan duration && (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(1)))
            throw new ArgumentException($"--duration must be more than 0 and at most 86400 seconds, not {duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        if (KeySize < 1 || KeySize > ClientLimits.MaxKeyBytes)
            throw new ArgumentException($"--key-size must be between 1 and {ClientLimits.MaxKeyBytes} bytes, not {KeySize}");
        if (ValueSize < 0 || ValueSize > MaxValueSize)
            throw new ArgumentException($"--value-size must be between 0 and {MaxValueSize} bytes, not {ValueSize}");
        if (KeySpace < 1)
            throw new ArgumentException($"--key-space must be at least 1, not {KeySpace}");
        var digits = (KeySpace - 1).ToString(CultureInfo.InvariantCulture).Length;
        if (digits > KeySize)
            throw new ArgumentException($"--key-size {KeySize} is too small for --key-space {KeySpace}: key numbers need {digits} digits");
        if (System.Text.Encoding.UTF8.GetByteCount(Prefix) + KeySize > ClientLimits.MaxKeyBytes)
            throw new ArgumentException($"--prefix and --key-size together make keys longer than {ClientLimits.MaxKeyBytes} bytes");
        if (!double.IsFinite(ReadRatio) || ReadRatio < 0 || ReadRatio > 1)
            throw new ArgumentException($"--read-ratio must be between 0 and 1, not {ReadRatio.ToString(CultureInfo.InvariantCulture)}");
        if (Stale && ReadRatio == 0)
            throw new ArgumentException("--stale applies to reads, but --read-ratio is 0 (only writes)");
    }
}
