using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Client.Tests.Fakes;

/// <summary>
/// One fake RaftKv node speaking the real client protocol (frames, hello, ProtocolJsonContext) on a
/// loopback port picked by the OS. It plays leader when its cluster says so and follower otherwise,
/// and can be told to misbehave: answer Unavailable, stay silent, drop the connection after a
/// write, or hold answers back and send them in reverse order.
/// </summary>
internal sealed class FakeNode : IAsyncDisposable
{
    private readonly FakeCluster _cluster;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _acceptLoop;
    private int _connectionCount;
    private int _dropAfterWrites;

    public FakeNode(int id, FakeCluster cluster)
    {
        Id = id;
        _cluster = cluster;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    public int Id { get; }
    public string Address { get; }
    public ConcurrentQueue<ClientRequest> Received { get; } = new();
    public ConcurrentQueue<Hello> Hellos { get; } = new();
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Answer Unavailable to reads and writes (as a leader without quorum would).</summary>
    public bool Unavailable { get; set; }

    /// <summary>Sets and deletes are answered Unavailable (no quorum); everything else as usual.</summary>
    public bool WritesUnavailable { get; set; }

    /// <summary>Read requests but never answer.</summary>
    public bool Silent { get; set; }

    /// <summary>Apply the next write, then close the connection without answering (the answer is lost on the way).</summary>
    public void DropConnectionAfterNextWrite() => Interlocked.Exchange(ref _dropAfterWrites, 1);

    /// <summary>Hold answers on a connection until this many are waiting, then send them all, last first.</summary>
    public int HoldAnswersUntil { get; set; }

    private bool IsLeader => _cluster.LeaderId == Id;

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(cancellationToken);
                Interlocked.Increment(ref _connectionCount);
                _sockets[socket] = 0;
                _ = ServeAsync(socket, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream);
        var held = new List<ClientResponse>();
        var sawHello = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, ProtocolLimits.DefaultMaxClientFrameBytes, out var payload))
                {
                    var json = new Utf8JsonReader(payload);
                    if (!sawHello)
                    {
                        Hellos.Enqueue(JsonSerializer.Deserialize(ref json, ProtocolJsonContext.Default.Hello)!);
                        sawHello = true;
                        continue;
                    }
                    var request = JsonSerializer.Deserialize(ref json, ProtocolJsonContext.Default.ClientRequest)!;
                    Received.Enqueue(request);
                    if (Silent) continue;

                    var response = Handle(request, out var drop);
                    if (drop) return;
                    if (HoldAnswersUntil > 0)
                    {
                        held.Add(response);
                        if (held.Count < HoldAnswersUntil) continue;
                        held.Reverse();
                        foreach (var h in held) await SendAsync(stream, h, cancellationToken);
                        held.Clear();
                        continue;
                    }
                    await SendAsync(stream, response, cancellationToken);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Connection gone or node stopped.
        }
        finally
        {
            _sockets.TryRemove(socket, out _);
            await reader.CompleteAsync();
        }
    }

    private ClientResponse Handle(ClientRequest request, out bool drop)
    {
        drop = false;
        var response = request.Op switch
        {
            ClientOp.Status => new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Node = NodeStatus() },
            ClientOp.Log => new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Entries = LogEntries(request) },
            _ when Unavailable => new ClientResponse { Id = request.Id, Status = ClientStatus.Unavailable, Error = "no quorum" },
            ClientOp.Set or ClientOp.Delete when WritesUnavailable => new ClientResponse { Id = request.Id, Status = ClientStatus.Unavailable, Error = "no quorum" },
            ClientOp.Get when request.Stale || IsLeader => Read(request),
            ClientOp.Set or ClientOp.Delete when IsLeader => _cluster.Apply(request),
            ClientOp.Register when IsLeader => _cluster.Register(request),
            _ => new ClientResponse { Id = request.Id, Status = ClientStatus.NotLeader },
        };
        if (request.Op is ClientOp.Set or ClientOp.Delete && IsLeader && !Unavailable && Interlocked.Exchange(ref _dropAfterWrites, 0) == 1)
        {
            drop = true;
            if (_cluster.ExpireSessionsOnDrop) _cluster.ExpireAllSessions();
        }
        return response with { LeaderId = _cluster.LeaderId, LeaderAddress = _cluster.Leader?.Address };
    }

    private ClientResponse Read(ClientRequest request)
    {
        if (request.Key is null)
            return new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Values = new Dictionary<string, JsonElement>(_cluster.Store) };
        return _cluster.Store.TryGetValue(request.Key, out var value)
            ? new ClientResponse { Id = request.Id, Status = ClientStatus.Ok, Value = value }
            : new ClientResponse { Id = request.Id, Status = ClientStatus.NotFound };
    }

    private NodeStatus NodeStatus() => new()
    {
        Id = Id,
        Address = Address,
        Role = IsLeader ? "leader" : "follower",
        Term = 3,
        LeaderId = _cluster.LeaderId,
        FirstIndex = 1,
        LastIndex = _cluster.Applied.Count + 1,
        CommitIndex = _cluster.Applied.Count + 1,
        AppliedIndex = _cluster.Applied.Count + 1,
        Voters = Enumerable.Range(0, _cluster.Nodes.Count).ToArray(),
    };

    private LogEntryView[] LogEntries(ClientRequest request)
    {
        // Index 1 is the leader's no-op; the applied writes follow.
        var entries = new List<LogEntryView> { new() { Index = 1, Term = 3, Type = "noop" } };
        var index = 2L;
        foreach (var (session, seq, op, key) in _cluster.Applied)
        {
            var command = JsonSerializer.SerializeToElement(new Dictionary<string, string?> { ["op"] = op.ToString().ToLowerInvariant(), ["key"] = key, ["session"] = session?.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            entries.Add(new LogEntryView { Index = index++, Term = 3, Type = "command", Command = command });
        }
        var from = request.From ?? 1;
        return entries.Where(e => e.Index >= from).Take(request.Limit ?? int.MaxValue).ToArray();
    }

    private static async Task SendAsync(Stream stream, ClientResponse response, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Frame.Write(buffer, JsonSerializer.SerializeToUtf8Bytes(response, ProtocolJsonContext.Default.ClientResponse));
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    /// <summary>Closes every open client connection (the node stays up and accepts new ones).</summary>
    public void DropConnections()
    {
        foreach (var socket in _sockets.Keys) socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropConnections();
        await _acceptLoop;
        _stop.Dispose();
    }
}
