using System.Collections.Concurrent;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Client.Tests.Fakes;

/// <summary>
/// A few <see cref="FakeNode"/>s on loopback ports sharing one key-value store and one session
/// table, with a servers file in a temp directory. <see cref="LeaderId"/> says which node plays
/// leader (null: nobody leads). Deletes its directory and stops its listeners on dispose.
/// </summary>
internal sealed class FakeCluster : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (long Seq, ClientResponse Result)> _sessions = new();
    private readonly object _applyGate = new();
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

    /// <summary>Every write the store applied, in order: (clientId, seq, op, key).</summary>
    public ConcurrentQueue<(string? ClientId, long Seq, ClientOp Op, string? Key)> Applied { get; } = new();

    public int? LeaderId
    {
        get => _leader?.Id;
        set => _leader = value is int id ? Nodes[id] : null;
    }

    public FakeNode? Leader => _leader;

    public IEnumerable<ClientRequest> AllReceived => Nodes.SelectMany(n => n.Received);

    public int TotalConnections => Nodes.Sum(n => n.ConnectionCount);

    public RaftClient NewClient(TimeSpan? timeout = null, TimeSpan? requestTimeout = null, string? clientId = null) => new(new RaftClientOptions
    {
        Servers = Addresses,
        Timeout = timeout ?? TimeSpan.FromSeconds(5),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(2),
        ClientId = clientId ?? Guid.NewGuid().ToString(),
    });

    /// <summary>Applies a write once per (clientId, seq), the way the real state machine's session table does.</summary>
    public ClientResponse Apply(ClientRequest request)
    {
        lock (_applyGate)
        {
            // The session rule of PROTOCOL.md: above the last seq applies, the last seq is answered
            // from memory, below it is a stale copy that must never apply.
            if (request.ClientId is { } clientId && _sessions.TryGetValue(clientId, out var last))
            {
                if (request.Seq == last.Seq) return last.Result with { Id = request.Id };
                if (request.Seq < last.Seq)
                    return new ClientResponse { Id = request.Id, Status = ClientStatus.BadRequest, Error = $"stale sequence number {request.Seq}: the last is {last.Seq}" };
            }

            ClientResponse result;
            switch (request.Op)
            {
                case ClientOp.Set:
                    Store[request.Key!] = request.Value!.Value.Clone();
                    result = new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Value = request.Value, Index = Applied.Count + 1 };
                    break;
                case ClientOp.Delete:
                    result = new ClientResponse { Id = request.Id, Status = Store.TryRemove(request.Key!, out _) ? ClientStatus.Ok : ClientStatus.NotFound, Index = Applied.Count + 1 };
                    break;
                default:
                    throw new InvalidOperationException($"not a write: {request.Op}");
            }
            Applied.Enqueue((request.ClientId, request.Seq, request.Op, request.Key));
            if (request.ClientId is { } id) _sessions[id] = (request.Seq, result);
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
