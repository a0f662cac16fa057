using System.Collections.Concurrent;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Client.Tests.Fakes;

/// <summary>
/// A few <see cref="FakeNode"/>s on loopback ports sharing one key-value store and one session
/// table (sessions registered as in PROTOCOL.md: the id is the index of the register), with a servers
/// file in a temp directory. <see cref="LeaderId"/> says which node plays
/// leader (null: nobody leads). Deletes its directory and stops its listeners on dispose.
/// </summary>
internal sealed class FakeCluster : IAsyncDisposable
{
    private readonly Dictionary<long, (long Seq, ClientResponse? Result)> _sessions = [];
    private readonly object _applyGate = new();
    private long _lastIndex = 1; // index 1 is the leader's no-op
    private volatile FakeNode? _leader;

    private FakeCluster(int size)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("raftkv-client-tests-").FullName;
        Nodes = Enumerable.Range(0, size).Select(id => new FakeNode(id, this)).ToArray();
        ServersFile = Path.Combine(Directory, "servers.txt");
        File.WriteAllText(ServersFile, "# fake cluster\n" + string.Join('\n', Nodes.Select(n => n.Address)) + "\n");
    }

    public static FakeCluster Start(int size, int? leaderId = 0)
    {
        var cluster = new FakeCluster(size);
        cluster.LeaderId = leaderId;
        return cluster;
    }

    public string Directory { get; }
    public string ServersFile { get; }
    public IReadOnlyList<FakeNode> Nodes { get; }
    public IReadOnlyList<string> Addresses => Nodes.Select(n => n.Address).ToArray();
    public ConcurrentDictionary<string, JsonElement> Store { get; } = new();

    /// <summary>Every write the store applied, in order: (session, seq, op, key).</summary>
    public ConcurrentQueue<(long? Session, long Seq, ClientOp Op, string? Key)> Applied { get; } = new();

    /// <summary>The ids of every session registered, in order.</summary>
    public ConcurrentQueue<long> Registered { get; } = new();

    /// <summary>When a node drops a connection after a write (<see cref="FakeNode.DropConnectionAfterNextWrite"/>), every session expires too.</summary>
    public bool ExpireSessionsOnDrop { get; set; }

    /// <summary>Every session expires the moment it is registered (a flood of other clients, taken to the limit).</summary>
    public bool SessionsExpireAtOnce { get; set; }

    public int? LeaderId
    {
        get => _leader?.Id;
        set => _leader = value is int id ? Nodes[id] : null;
    }

    public FakeNode? Leader => _leader;

    public IEnumerable<ClientRequest> AllReceived => Nodes.SelectMany(n => n.Received);

    public int TotalConnections => Nodes.Sum(n => n.ConnectionCount);

    public RaftClient NewClient(TimeSpan? timeout = null, TimeSpan? requestTimeout = null) => new(new RaftClientOptions
    {
        Servers = Addresses,
        Timeout = timeout ?? TimeSpan.FromSeconds(5),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(2),
    });

    /// <summary>Opens a session whose id is the next log index, as the real state machine does.</summary>
    public ClientResponse Register(ClientRequest request)
    {
        lock (_applyGate)
        {
            var id = ++_lastIndex;
            if (!SessionsExpireAtOnce) _sessions[id] = (0, null);
            Registered.Enqueue(id);
            return new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Session = id, Index = id };
        }
    }

    /// <summary>Forgets every session, as a real cluster does once enough other clients registered.</summary>
    public void ExpireAllSessions()
    {
        lock (_applyGate) _sessions.Clear();
    }

    /// <summary>Applies a write once per (session, seq), the way the real state machine's session table does.</summary>
    public ClientResponse Apply(ClientRequest request)
    {
        lock (_applyGate)
        {
            // The session rules of PROTOCOL.md: an unknown session is refused; above the last seq applies,
            // the last seq is answered from memory, below it is a stale copy that must never apply.
            if (request.Session is { } session)
            {
                if (!_sessions.TryGetValue(session, out var last))
                    return new ClientResponse { Id = request.Id, Status = ClientStatus.SessionExpired, Error = $"session {session} expired" };
                if (request.Seq == last.Seq) return last.Result! with { Id = request.Id };
                if (request.Seq < last.Seq)
                    return new ClientResponse { Id = request.Id, Status = ClientStatus.BadRequest, Error = $"stale sequence number {request.Seq}: the last is {last.Seq}" };
            }
            var index = ++_lastIndex;

            ClientResponse result;
            switch (request.Op)
            {
                case ClientOp.Set:
                    Store[request.Key!] = request.Value!.Value.Clone();
                    result = new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Value = request.Value, Index = index };
                    break;
                case ClientOp.Delete:
                    result = new ClientResponse { Id = request.Id, Status = Store.TryRemove(request.Key!, out _) ? ClientStatus.Ok : ClientStatus.NotFound, Index = index };
                    break;
                default:
                    throw new InvalidOperationException($"not a write: {request.Op}");
            }
            Applied.Enqueue((request.Session, request.Seq, request.Op, request.Key));
            if (request.Session is { } id) _sessions[id] = (request.Seq, result);
            return result;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the test that made it.
        }
    }
}
