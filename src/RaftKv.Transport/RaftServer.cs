using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// The node's one listening port. Each accepted connection gets its own task: it reads the hello, then either feeds
/// peer messages into <c>inbound</c> or serves client requests through the <see cref="IClientRequestHandler"/>.
/// A connection that misbehaves is closed with one logged reason; nothing it does slows down the others.
/// </summary>
public sealed class RaftServer : IAsyncDisposable
{
    // Refusals come in floods (a client retry loop, a scan); one line per interval says enough.
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(5);

    private readonly TransportOptions _options;
    private readonly ChannelWriter<Message> _inbound;
    private readonly IClientRequestHandler _clients;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextConnectionId;
    private int _openConnections;
    private long _refusedSinceLog;
    private long _lastRefusalLog; // Environment.TickCount64 of the last refusal line; 0 = none yet
    private int _disposed;

    public RaftServer(TransportOptions options, ChannelWriter<Message> inbound, IClientRequestHandler clients, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _inbound = inbound;
        _clients = clients;
        _logger = logger;
    }

    /// <summary>The address the server is bound to; known after <see cref="Start"/> (the port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("the server has not been started");

    /// <summary>Inbound connections being served right now (peers and clients).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Binds the port and starts accepting. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_listener is not null) throw new InvalidOperationException("the server is already started");
        var listener = new Socket(_options.ListenEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // "[::]:7000" means every address, IPv4 included (as it does for most servers), not IPv6 only.
            if (_options.ListenEndPoint.Address.Equals(IPAddress.IPv6Any)) listener.DualMode = true;
            listener.Bind(_options.ListenEndPoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        TransportLog.Listening(_logger, _options.NodeId, listener.LocalEndPoint!);
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, _stopping.Token));
    }

    /// <summary>Stops accepting, closes every connection and waits for their tasks to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        // The accept loop has ended, so no connection can be added while we wait for these.
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Typically out of file descriptors; pausing keeps this loop from spinning until some close.
                TransportLog.AcceptFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            if (Interlocked.Increment(ref _openConnections) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _openConnections);
                Refuse(socket);
                continue;
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new InboundConnection(socket, _options, _inbound, _clients, _logger);
            // Registered before it starts, so the removal at its end can never come first.
            var serve = new Task<Task>(() => ServeAsync(id, connection, cancellationToken));
            _connections[id] = serve.Unwrap();
            serve.Start(TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(long id, InboundConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _openConnections);
            _connections.TryRemove(id, out _);
        }
    }

    private void Refuse(Socket socket)
    {
        socket.Dispose();
        var refused = Interlocked.Increment(ref _refusedSinceLog);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefusalLog);
        if (last != 0 && now - last < (long)RefusalLogInterval.TotalMilliseconds) return;
        if (Interlocked.CompareExchange(ref _lastRefusalLog, now, last) != last) return;
        Interlocked.Add(ref _refusedSinceLog, -refused);
        TransportLog.ConnectionsRefused(_logger, refused, _options.MaxConnections);
    }
}
