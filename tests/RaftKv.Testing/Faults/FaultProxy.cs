using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RaftKv.Testing.Faults;

/// <summary>
/// A TCP proxy that forwards one listening port on loopback to a target address and can misbehave on
/// command: cut the link (<see cref="CutStyle.Refuse"/> or <see cref="CutStyle.Blackhole"/>), add latency,
/// heal. Put one between every ordered pair of Raft peers (see <see cref="ProxyMesh"/>) to make partitions.
/// </summary>
/// <remarks>
/// Bytes are forwarded in the chunks they were read in, in order, each no earlier than its arrival plus the
/// current delay. The proxy never rewrites or drops part of a stream it goes on delivering: a connection that
/// lost bytes in a blackhole is closed on heal, so the receiver sees a broken connection, never a corrupt one.
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<ProxiedConnection, byte> _connections = new();
    private readonly Task _acceptLoop;
    private volatile LinkFault _fault = LinkFault.Healthy;
    private long _accepted;
    private long _refused;
    private long _bytesForwarded;
    private long _bytesDropped;
    private long _acceptFailures;
    private volatile string? _lastAcceptFailure;

    private FaultProxy(string name, IPEndPoint target)
    {
        Name = name;
        Target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(_stop.Token));
    }

    /// <summary>Starts listening on a free loopback port and forwarding to <paramref name="target"/>.</summary>
    /// <param name="name">For messages, such as "1→2".</param>
    public static FaultProxy Start(string name, IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(target);
        return new FaultProxy(name, target);
    }

    public string Name { get; }
    public IPEndPoint Target { get; }
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>"127.0.0.1:port", for a servers file.</summary>
    public string Address => $"{LocalEndPoint.Address}:{LocalEndPoint.Port}";

    public LinkFault Fault => _fault;
    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);
    public long ConnectionsRefused => Interlocked.Read(ref _refused);
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);
    public long BytesDropped => Interlocked.Read(ref _bytesDropped);
    public int OpenConnections => _connections.Count;

    /// <summary>Connections the proxy could not take on (accept or the far side's socket failed), and the last reason.</summary>
    public long AcceptFailures => Interlocked.Read(ref _acceptFailures);
    public string? LastAcceptFailure => _lastAcceptFailure;

    /// <summary>Cuts the link. With <see cref="CutStyle.Refuse"/> every open connection is closed now.</summary>
    public void Cut(CutStyle style)
    {
        _fault = _fault with { Cut = style };
        if (style == CutStyle.Refuse) CloseWhere(_ => true);
    }

    /// <summary>Adds <paramref name="delay"/> to every chunk from now on (zero removes it). Keeps a cut in place.</summary>
    public void SetDelay(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), delay, "a delay cannot be negative");
        _fault = _fault with { Delay = delay };
    }

    /// <summary>Removes every fault; connections that lost bytes in a blackhole are closed so their senders redial.</summary>
    public void Heal()
    {
        _fault = LinkFault.Healthy;
        CloseWhere(c => c.Poisoned);
    }

    internal void CountForwarded(int bytes) => Interlocked.Add(ref _bytesForwarded, bytes);
    internal void CountDropped(int bytes) => Interlocked.Add(ref _bytesDropped, bytes);
    internal void Forget(ProxiedConnection connection) => _connections.TryRemove(connection, out _);

    private void CloseWhere(Func<ProxiedConnection, bool> predicate)
    {
        foreach (var connection in _connections.Keys)
            if (predicate(connection)) connection.Close();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (cancellationToken.IsCancellationRequested) return;
                await CountFailureAndPauseAsync(e, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (_fault.Cut == CutStyle.Refuse)
            {
                Interlocked.Increment(ref _refused);
                // Linger 0 turns the close into a reset: the dialler sees "connection reset", as from a refusing host.
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                continue;
            }

            ProxiedConnection connection;
            try
            {
                connection = new ProxiedConnection(this, socket);
            }
            catch (SocketException e)
            {
                // No socket for the far side (out of file descriptors): drop this connection, as a failed dial would,
                // and keep the proxy alive; the dialler sees its connection closed and dials again.
                socket.Dispose();
                await CountFailureAndPauseAsync(e, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Interlocked.Increment(ref _accepted);
            _connections[connection] = 0;
            _ = connection.RunAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Out of file descriptors, say: accept and socket creation fail at once until some are freed, so count the failure
    /// and back off briefly instead of spinning (which starves the thread pool of the whole test process).
    /// </summary>
    private async Task CountFailureAndPauseAsync(Exception failure, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _acceptFailures);
        _lastAcceptFailure = failure.Message;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping: the loop condition ends it
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        CloseWhere(_ => true);
        _stop.Dispose();
    }

    public override string ToString() =>
        $"proxy {Name} {Address}→{Target} ({_fault})" + (AcceptFailures > 0 ? $"; {AcceptFailures} connections failed, the last: {LastAcceptFailure}" : "");
}
