using System.CommandLine;

namespace RaftKv.Ctl.Bench;

/// <summary>The command-line options of <c>raftctl bench</c> and how they become a validated <see cref="BenchOptions"/>.</summary>
public sealed class BenchCommandOptions
{
    public Option<int> Clients { get; } = new("--clients")
    {
        Description = "Concurrent clients, each with one operation in flight at a time",
        HelpName = "N",
        DefaultValueFactory = _ => BenchOptions.DefaultClients,
    };

    public Option<int?> Connections { get; } = new("--connections")
    {
        Description = $"Client connections the clients share (default: one per {BenchOptions.DefaultClientsPerConnection} clients)",
        HelpName = "N",
    };

    public Option<long?> Total { get; } = new("--total")
    {
        Description = $"Operations to run, then stop (default {BenchOptions.DefaultTotal} unless --duration is given)",
        HelpName = "OPS",
    };

    public Option<double?> Duration { get; } = new("--duration")
    {
        Description = "Seconds to run, then stop (instead of --total)",
        HelpName = "SECONDS",
    };

    public Option<int> KeySize { get; } = new("--key-size")
    {
        Description = "Digits of the key number after --prefix (keys are PREFIX + zero-padded number)",
        HelpName = "B",
        DefaultValueFactory = _ => BenchOptions.DefaultKeySize,
    };

    public Option<int> ValueSize { get; } = new("--value-size")
    {
        Description = "Bytes per value (a JSON string of that many characters)",
        HelpName = "B",
        DefaultValueFactory = _ => BenchOptions.DefaultValueSize,
    };

    public Option<int> KeySpace { get; } = new("--key-space")
    {
        Description = "Distinct keys, drawn uniformly",
        HelpName = "N",
        DefaultValueFactory = _ => BenchOptions.DefaultKeySpace,
    };

    public Option<double> ReadRatio { get; } = new("--read-ratio")
    {
        Description = "Fraction of operations that are reads, 0..1 (0: only writes)",
        HelpName = "R",
        DefaultValueFactory = _ => 0,
    };

    public Option<bool> Stale { get; } = new("--stale")
    {
        Description = "Reads may be answered by any node from its own state (no leadership check)",
    };

    public Option<string> Prefix { get; } = new("--prefix")
    {
        Description = "Key prefix of every key bench writes and reads, so its keys stay apart from real data",
        HelpName = "PREFIX",
        DefaultValueFactory = _ => BenchOptions.DefaultPrefix,
    };

    public Option<bool> Cleanup { get; } = new("--cleanup")
    {
        Description = "Delete every key this run wrote when it is done",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Prefix);
        command.Options.Add(Cleanup);
        command.Options.Add(Clients);
        command.Options.Add(Connections);
        command.Options.Add(Total);
        command.Options.Add(Duration);
        command.Options.Add(KeySize);
        command.Options.Add(ValueSize);
        command.Options.Add(KeySpace);
        command.Options.Add(ReadRatio);
        command.Options.Add(Stale);
    }

    /// <summary>The options of <paramref name="parse"/>; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public BenchOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var seconds = parse.GetValue(Duration);
        if (seconds is double s && (!double.IsFinite(s) || s <= 0 || s > TimeSpan.FromDays(1).TotalSeconds))
            throw new ArgumentException($"--duration must be more than 0 and at most 86400 seconds, not {s.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var options = new BenchOptions
        {
            Clients = parse.GetValue(Clients),
            Connections = parse.GetValue(Connections),
            Total = parse.GetValue(Total),
            Duration = seconds is double d ? TimeSpan.FromSeconds(d) : null,
            KeySize = parse.GetValue(KeySize),
            ValueSize = parse.GetValue(ValueSize),
            KeySpace = parse.GetValue(KeySpace),
            ReadRatio = parse.GetValue(ReadRatio),
            Stale = parse.GetValue(Stale),
            Prefix = parse.GetValue(Prefix) ?? BenchOptions.DefaultPrefix,
            Cleanup = parse.GetValue(Cleanup),
        };
        options.Validate();
        return options;
    }
}
