using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using RaftKv.Host.Http;
using RaftKv.Host.Logging;
using RaftKv.Node;
using RaftKv.Protocol;
using RaftKv.Protocol.Tls;
using RaftKv.Storage;

namespace RaftKv.Host;

/// <summary>raftnode: starts one member of the cluster described by servers.txt.</summary>
public static class Program
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static async Task<int> Main(string[] args)
    {
        var id = new Argument<int>("id") { Description = "This node's id: its line in servers.txt, counting from 0 (comments and blank lines do not count)." };
        var servers = new Option<string>("--servers") { Description = "The cluster's server list, one host:port per line.", DefaultValueFactory = _ => "servers.txt" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where this node keeps its log and snapshots [default: data/node-<id>]." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level shown (Trace, Debug, Information, Warning, Error).", DefaultValueFactory = _ => LogLevel.Information };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Leader heartbeat interval in milliseconds.", DefaultValueFactory = _ => 50 };
        var election = new Option<int>("--election-timeout-ms") { Description = "Minimum election timeout in milliseconds; each timeout is random in [this, 2×this).", DefaultValueFactory = _ => 150 };
        var clusterId = new Option<string?>("--cluster-id") { Description = "Cluster identity shared by all members [default: derived from the server list]. Peers with another id are refused." };
        var snapshotEntries = new Option<long>("--snapshot-entries") { Description = "Take a snapshot and compact the log after this many applied entries.", DefaultValueFactory = _ => 50_000 };
        var snapshotLogBytes = new Option<long>("--snapshot-log-bytes") { Description = "Also take a snapshot once the commands applied since the last one hold this many bytes.", DefaultValueFactory = _ => RaftKv.Replica.ReplicaOptions.DefaultSnapshotLogBytes };
        var snapshotWriteRate = new Option<int>("--snapshot-write-rate") { Description = "Write a snapshot of this node's state at this many MiB/s at most, 0 for no limit: leaves the disk room for the log's fsyncs.", HelpName = "MIB_PER_S", DefaultValueFactory = _ => NodeOptions.DefaultSnapshotWriteMiBPerSecond };
        var restore = new Option<string?>("--restore") { Description = "Seed this node's empty data directory from a backup (raftctl snapshot save FILE) before starting: disaster recovery into a new cluster. Give it to every node of the new cluster.", HelpName = "FILE" };
        var noFsync = new Option<bool>("--unsafe-no-fsync") { Description = "Do not fsync the log (benchmark experiments only: acknowledged writes can be lost on power failure)." };
        var address = new Option<string?>("--address") { Description = "The host:port peers and clients reach this node at [default: its line in servers.txt]. Required with --join.", HelpName = "HOST:PORT" };
        var listen = new Option<string?>("--listen") { Description = "The host:port to bind, e.g. 0.0.0.0:7000 or [::]:7000 [default: the advertised address].", HelpName = "HOST:PORT" };
        var join = new Option<string?>("--join")
        {
            Description = "Join a running cluster: comma-separated host:port of members to ask for the cluster's identity and members. " +
                          "Add the node first with 'raftctl member add ID HOST:PORT'; it neither votes nor campaigns until the leader's configuration includes it.",
            HelpName = "HOST:PORT[,HOST:PORT...]",
        };
        var http = new Option<string?>("--http") { Description = "Where the dashboard, /metrics and /health listen: HOST:PORT, or 'none' to turn HTTP off [default: 127.0.0.1 at the client port + 1000]." };
        var logFormat = new Option<string>("--log-format") { Description = "Log line format: 'text' (one short line per event; colours unless NO_COLOR is set or output is redirected) or 'json' (one JSON object per line, for log shippers).", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");

        var tlsCert = new Option<string?>("--tls-cert") { Description = "Mutual TLS: this node's certificate (PEM), signed by the cluster CA. Needs --tls-key and --tls-ca.", HelpName = "FILE" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Mutual TLS: the private key (PEM) of --tls-cert.", HelpName = "FILE" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "Mutual TLS: the cluster CA certificate (PEM); peers and clients without a certificate it signed are refused.", HelpName = "FILE" };
        var root = new RootCommand("raftnode: one member of a RaftKv cluster (Raft consensus, replicated key-value store).")
        {
            id, servers, dataDir, logLevel, heartbeat, election, clusterId, snapshotEntries, snapshotLogBytes, snapshotWriteRate, restore, noFsync, http, logFormat, address, listen, join, tlsCert, tlsKey, tlsCa,
        };

        var parsed = root.Parse(args);
        if (args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
            return await parsed.InvokeAsync();
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"raftnode: {error.Message}");
            Console.Error.WriteLine();
            Console.Error.WriteLine("usage: raftnode <id> [--servers servers.txt] [--data-dir data/node-<id>] [--log-level Information] [--heartbeat-ms 50]");
            Console.Error.WriteLine("                     [--election-timeout-ms 150] [--cluster-id ID] [--snapshot-entries 50000] [--unsafe-no-fsync]");
            Console.Error.WriteLine("                     [--snapshot-log-bytes 268435456] [--snapshot-write-rate 32] [--restore FILE]");
            Console.Error.WriteLine("                     [--address HOST:PORT] [--listen HOST:PORT] [--join HOST:PORT[,HOST:PORT...]]");
            Console.Error.WriteLine("                     [--tls-cert FILE --tls-key FILE --tls-ca FILE]");
            Console.Error.WriteLine("                     [--http HOST:PORT|none] [--log-format text|json]");
            Console.Error.WriteLine("run 'raftnode --help' for details");
            return ExitUsage;
        }

        NodeOptions options;
        HttpBinding httpBinding;
        try
        {
            var nodeId = parsed.GetValue(id);
            var tls = TlsArguments.Load(parsed.GetValue(tlsCert), parsed.GetValue(tlsKey), parsed.GetValue(tlsCa));
            var advertised = parsed.GetValue(address);
            foreach (var (name, value) in new[] { ("--address", advertised), ("--listen", parsed.GetValue(listen)) })
            {
                if (value is not null && !ServerList.TrySplitHostPort(value, out _, out _, out var reason))
                    throw new FormatException($"{name} '{value}' is not a valid host:port ({reason})");
            }
            IReadOnlyList<string> bootstrap;
            var known = new Dictionary<int, string>();
            string? joinedClusterId = null;
            if (parsed.GetValue(join) is { } joinList)
            {
                if (advertised is null) throw new ArgumentException("--join needs --address, the host:port this node is reached at");
                var targets = joinList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (var target in targets)
                {
                    if (!ServerList.TrySplitHostPort(target, out _, out _, out var reason))
                        throw new FormatException($"--join '{target}' is not a valid host:port ({reason})");
                }
                if (targets.Length == 0) throw new FormatException("--join needs at least one host:port");
                var joined = await JoinDiscovery.AskAsync(targets, tls, TimeSpan.FromSeconds(30), CancellationToken.None);
                bootstrap = joined.BootstrapServers;
                if (nodeId < bootstrap.Count)
                    throw new ArgumentException($"node id {nodeId} is a bootstrap member's id (0..{bootstrap.Count - 1}); a joining node takes a new id, e.g. {Math.Max(bootstrap.Count, joined.Members.Select(m => m.Id + 1).DefaultIfEmpty(0).Max())}");
                joinedClusterId = joined.ClusterId;
                foreach (var member in joined.Members)
                    if (member.Address is { } a) known[member.Id] = a;
                Console.Error.WriteLine($"raftnode: joining cluster {joined.ClusterId} through {joined.Address} (members: {string.Join(", ", joined.Members.Select(m => $"{m.Id}@{m.Address}"))})");
            }
            else
            {
                bootstrap = ServerList.Load(parsed.GetValue(servers)!).Addresses;
            }
            options = new NodeOptions
            {
                Id = nodeId,
                Servers = bootstrap,
                Address = advertised,
                Listen = parsed.GetValue(listen),
                KnownPeers = known,
                Tls = tls,
                DataDirectory = parsed.GetValue(dataDir) ?? Path.Combine("data", $"node-{nodeId}"),
                HeartbeatInterval = TimeSpan.FromMilliseconds(parsed.GetValue(heartbeat)),
                ElectionTimeout = TimeSpan.FromMilliseconds(parsed.GetValue(election)),
                Fsync = !parsed.GetValue(noFsync),
                ClusterId = parsed.GetValue(clusterId) ?? joinedClusterId,
                SnapshotEntries = parsed.GetValue(snapshotEntries),
                SnapshotLogBytes = parsed.GetValue(snapshotLogBytes),
                SnapshotWriteMiBPerSecond = parsed.GetValue(snapshotWriteRate),
                InjectedSyncDelay = TestHooks.InjectedSyncDelay(),
            };
            if (TestHooks.MaxPeerFrameBytes() is { } frameBytes)
                options = options with { MaxPeerFrameBytes = frameBytes, SnapshotChunkBytes = Math.Max(1, frameBytes / 2) };
            options.Validate();
            httpBinding = HttpBinding.Parse(parsed.GetValue(http), options.AdvertisedAddress);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException)
        {
            Console.Error.WriteLine($"raftnode: {ex.Message}");
            Console.Error.WriteLine("run 'raftnode --help' for usage");
            return ExitUsage;
        }
        catch (JoinFailedException ex)
        {
            Console.Error.WriteLine($"raftnode: {ex.Message}");
            return ExitFailure;
        }

        if (parsed.GetValue(restore) is { } backup)
        {
            try
            {
                var seeded = RaftKv.Storage.Backups.BackupFile.Seed(backup, options.DataDirectory, options.EffectiveClusterId, options.Id,
                    RaftKv.Core.ClusterConfig.OfAddresses(options.Servers));
                Console.Error.WriteLine($"raftnode: seeded {Path.GetFullPath(options.DataDirectory)} from {backup}: snapshot at index {seeded.Metadata.Index} term {seeded.Metadata.Term}, members {seeded.Metadata.Config}");
            }
            catch (Exception ex) when (ex is CorruptLogException or DataDirectoryMismatchException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                Console.Error.WriteLine($"raftnode: --restore {backup}: {ex.Message}");
                return ExitFailure;
            }
        }

        var level = parsed.GetValue(logLevel);
        var tail = new LogTail(level);
        using var loggers = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddProvider(tail);
            if (parsed.GetValue(logFormat) == "json")
            {
                b.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
            }
            else
            {
                b.AddConsole(o => o.FormatterName = NodeLogFormatter.FormatterName)
                    .AddConsoleFormatter<NodeLogFormatter, ConsoleFormatterOptions>();
            }
            // Output nobody reads (a terminal paused with Ctrl+S, `raftnode 0 | less` left open, a stuck log shipper)
            // fills the pipe, then the console logger's queue; with the default (Wait) every thread that logs then
            // blocks, and the node stalls: it lost its term and stopped answering in a test. Drop lines instead; the
            // logger says how many it dropped once output flows again, and the node keeps serving.
            b.Services.Configure<ConsoleLoggerOptions>(o => o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite);
        });
        var log = loggers.CreateLogger($"node-{options.Id}");
        return await RunAsync(options, httpBinding, parsed.GetValue(http) is not null, loggers, tail, log, CancellationToken.None);
    }

    private static async Task<int> RunAsync(NodeOptions options, HttpBinding httpBinding, bool httpExplicit, ILoggerFactory loggers, LogTail tail, ILogger log, CancellationToken cancellationToken)
    {
        RaftNode node;
        try
        {
            node = RaftNode.Start(options, loggers);
        }
        catch (Exception ex) when (ex is CorruptLogException or DataDirectoryMismatchException or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            log.LogCritical("Cannot start: {Reason}", ex.Message);
            return ExitFailure;
        }

        // What made us stop: a signal, or the dashboard's stop button (which stops the node exactly as Ctrl+C does).
        var stopRequested = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        void OnSignal(PosixSignalContext context)
        {
            // Keep the runtime from exiting at once: we hand over leadership and flush first.
            context.Cancel = true;
            stopRequested.TrySetResult(context.Signal.ToString());
        }

        await using var refresher = new StatusRefresher(node);
        DashboardServer? dashboard = null;
        if (httpBinding.Enabled)
        {
            try
            {
                dashboard = await DashboardServer.StartAsync(httpBinding, node, loggers, tail, reason => stopRequested.TrySetResult(reason), cancellationToken);
                log.LogInformation("Dashboard at {Url} (also /metrics, /health, /api/status)", dashboard.Url);
            }
            catch (IOException ex) when (!httpExplicit)
            {
                // The default port (client port + 1000) was not asked for: run without HTTP rather than not at all.
                log.LogWarning("No dashboard: cannot serve HTTP on {EndPoint} ({Reason}); choose an address with --http HOST:PORT, or --http none", httpBinding.EndPoint, ex.Message);
            }
            catch (IOException ex)
            {
                log.LogCritical("Cannot serve HTTP on {EndPoint}: {Reason}; choose another address with --http HOST:PORT, or --http none", httpBinding.EndPoint, ex.Message);
                await node.DisposeAsync();
                return ExitFailure;
            }
        }

        try
        {
            var finished = await Task.WhenAny(stopRequested.Task, node.Completion).WaitAsync(cancellationToken);
            if (finished == node.Completion)
            {
                await node.DisposeAsync();
                return node.Completion.IsFaulted ? ExitFailure : ExitOk;
            }

            log.LogInformation("Stopping on {Reason}", stopRequested.Task.Result);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await node.StopAsync(deadline.Token);
            log.LogInformation("Stopped cleanly");
            return node.Completion.IsFaulted ? ExitFailure : ExitOk;
        }
        finally
        {
            if (dashboard is not null) await dashboard.DisposeAsync();
        }
    }
}
