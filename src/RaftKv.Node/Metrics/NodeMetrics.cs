using System.Diagnostics.Metrics;
using RaftKv.Core;
using RaftKv.Replica;
using RaftKv.Protocol;

namespace RaftKv.Node.Metrics;

/// <summary>
/// The node's instruments (System.Diagnostics.Metrics), under the meter <see cref="MeterName"/>: raftnode exports
/// them at <c>/metrics</c> in Prometheus text format, and <c>dotnet-counters monitor --counters RaftKv.Node -p PID</c>
/// shows the same instruments live. Every measurement carries the tag <c>node</c> (the node id).
/// </summary>
/// <remarks>
/// Counters are fed by the node as things happen (view changes, client requests, storage writes); gauges read
/// values the node has already published (its <see cref="ReplicaView"/>, the last status it answered, files on disk,
/// peer links), so collecting never enters the event loop.
/// </remarks>
public sealed class NodeMetrics : IDisposable
{
    /// <summary>The meter's name: what to pass to <c>dotnet-counters</c> or an OpenTelemetry <c>AddMeter</c>.</summary>
    public const string MeterName = "RaftKv.Node";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _node;
    private readonly Counter<long> _leaderChanges;
    private readonly Counter<long> _electionsStarted;
    private readonly Counter<long> _electionsWon;
    private readonly Counter<long> _proposals;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _fsyncDuration;
    private readonly Histogram<long> _entriesPerAppend;
    private readonly Counter<long> _snapshots;
    private readonly Histogram<double> _snapshotDuration;
    private volatile ReplicaView _view = ReplicaView.Initial;

    // Bucket boundaries in seconds (the exporter's defaults are meant for milliseconds): 100 µs to 10 s.
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly InstrumentAdvice<long> EntriesAdvice = new()
    {
        HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    };
    private volatile NodeStatus? _status;

    /// <param name="nodeId">This node's id, the <c>node</c> tag of every measurement.</param>
    /// <param name="dataDirectory">Measured for <c>raftkv.storage.bytes</c>.</param>
    /// <param name="peers">Peer ids and a thread-safe test of whether the link to each is up.</param>
    public NodeMetrics(int nodeId, string dataDirectory, IReadOnlyList<int> peers, Func<int, bool> isPeerConnected)
    {
        _meter = new Meter(MeterName);
        _node = new("node", nodeId);
        var node = _node;

        _meter.CreateObservableGauge("raftkv.term", () => new Measurement<long>(_view.Term, node), description: "Current Raft term.");
        _meter.CreateObservableGauge("raftkv.role", ObserveRole, description: "1 for the role this node is in (tag role), 0 for the others.");
        _meter.CreateObservableGauge("raftkv.leader.id", () => new Measurement<int>(_view.LeaderId, node), description: "The leader this node knows of, -1 when none.");
        _leaderChanges = _meter.CreateCounter<long>("raftkv.leader.changes", description: "Times this node learned of a new leader (including itself).");
        _electionsStarted = _meter.CreateCounter<long>("raftkv.elections.started", description: "Elections this node started as a candidate (after a successful pre-vote).");
        _electionsWon = _meter.CreateCounter<long>("raftkv.elections.won", description: "Elections this node won.");
        _meter.CreateObservableGauge("raftkv.commit.index", () => Index(s => s.CommitIndex), description: "Highest log index known committed.");
        _meter.CreateObservableGauge("raftkv.applied.index", () => Index(s => s.AppliedIndex), description: "Highest log index applied to the key-value store.");
        _meter.CreateObservableGauge("raftkv.log.last.index", () => Index(s => s.LastIndex), description: "Last index in this node's log.");
        _proposals = _meter.CreateCounter<long>("raftkv.proposals", description: "Client writes this node took into its log as leader (refusals and redirects excluded).");
        _requests = _meter.CreateCounter<long>("raftkv.client.requests", description: "Client requests answered, by op and status.");
        _requestDuration = _meter.CreateHistogram("raftkv.client.request.duration", unit: "s", description: "Time from a client request's arrival to its answer, by op.", tags: null, advice: SecondsAdvice);
        _fsyncDuration = _meter.CreateHistogram("raftkv.storage.fsync.duration", unit: "s", description: "Time to write and fsync one batch of log entries and hard state.", tags: null, advice: SecondsAdvice);
        _entriesPerAppend = _meter.CreateHistogram("raftkv.storage.append.entries", unit: "{entry}", description: "Entries written per storage batch (group commit).", tags: null, advice: EntriesAdvice);
        _meter.CreateObservableGauge("raftkv.storage.bytes", () => new Measurement<long>(DirectorySize(dataDirectory), node), unit: "By", description: "Bytes of log segments, snapshots and metadata in the data directory.");
        _snapshots = _meter.CreateCounter<long>("raftkv.snapshots", description: "Snapshots taken (log compactions) and installed from the leader.");
        _snapshotDuration = _meter.CreateHistogram("raftkv.snapshot.duration", unit: "s", description: "Time to take and store a snapshot.", tags: null, advice: SecondsAdvice);
        _meter.CreateObservableGauge("raftkv.peer.connected", () => peers.Select(p => new Measurement<int>(isPeerConnected(p) ? 1 : 0, node, new("peer", p))), description: "1 when the outgoing link to the peer is connected.");
    }

    /// <summary>Called on every published view change; counts elections and leader changes.</summary>
    public void OnViewChanged(ReplicaView before, ReplicaView after)
    {
        _view = after;
        if (after.Role == Role.Candidate && (before.Role != Role.Candidate || after.Term != before.Term)) _electionsStarted.Add(1, _node);
        if (after.Role == Role.Leader && before.Role != Role.Leader) _electionsWon.Add(1, _node);
        if (after.LeaderId != NodeIds.None && (after.LeaderId != before.LeaderId || after.Term != before.Term)) _leaderChanges.Add(1, _node);
    }

    /// <summary>The node's latest status answer: source of the index gauges.</summary>
    public void ObserveStatus(NodeStatus status) => _status = status;

    public void OnProposal() => _proposals.Add(1, _node);

    public void OnRequest(ClientOp op, ClientStatus status, TimeSpan elapsed)
    {
        var opTag = new KeyValuePair<string, object?>("op", OpName(op));
        _requests.Add(1, _node, opTag, new("status", StatusName(status)));
        _requestDuration.Record(elapsed.TotalSeconds, _node, opTag);
    }

    public void OnStorageWrite(int entries, TimeSpan elapsed)
    {
        _fsyncDuration.Record(elapsed.TotalSeconds, _node);
        _entriesPerAppend.Record(entries, _node);
    }

    public void OnSnapshot(TimeSpan elapsed)
    {
        _snapshots.Add(1, _node);
        _snapshotDuration.Record(elapsed.TotalSeconds, _node);
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveRole()
    {
        var role = _view.Role;
        foreach (var r in Enum.GetValues<Role>())
            yield return new Measurement<int>(r == role ? 1 : 0, _node, new("role", r.ToString().ToLowerInvariant()));
    }

    private IEnumerable<Measurement<long>> Index(Func<NodeStatus, long> read)
    {
        if (_status is { } s) yield return new Measurement<long>(read(s), _node);
    }

    private static string OpName(ClientOp op) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(op.ToString());

    private static string StatusName(ClientStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    /// <summary>Bytes of every file under <paramref name="directory"/> (0 while it cannot be read).</summary>
    internal static long DirectorySize(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // files come and go during compaction; the next scrape sees them
        }
    }
}
