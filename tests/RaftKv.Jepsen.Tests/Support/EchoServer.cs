using System.Net;
using System.Net.Sockets;

namespace RaftKv.Jepsen.Tests.Support;

/// <summary>A loopback TCP server on a free port that sends back whatever it receives; for proxy tests.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _accepted;

    public EchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync(_stop.Token);
    }

    public IPEndPoint EndPoint { get; }
    public string Address => $"{EndPoint.Address}:{EndPoint.Port}";

    /// <summary>Connections that reached the server (through a proxy or not).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(ct);
                Interlocked.Increment(ref _accepted);
                _ = EchoAsync(socket, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopping
        }
    }

    private static async Task EchoAsync(Socket socket, CancellationToken ct)
    {
        using (socket)
        {
            var buffer = new byte[8192];
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                    if (n == 0) return;
                    await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the peer went away
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
