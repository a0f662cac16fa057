using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;

namespace RaftKv.Testing.Faults;

/// <summary>One connection through a <see cref="FaultProxy"/>: two pumps, each a reader and a delaying writer.</summary>
internal sealed class ProxiedConnection
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly FaultProxy _proxy;
    private readonly Socket _client;
    private readonly Socket _target = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly CancellationTokenSource _closed = new();
    private int _poisoned;
    private int _closing;

    public ProxiedConnection(FaultProxy proxy, Socket client)
    {
        _proxy = proxy;
        _client = client;
        _client.NoDelay = true;
    }

    /// <summary>True once bytes were dropped: what is left of the stream is useless to the receiver.</summary>
    public bool Poisoned => Volatile.Read(ref _poisoned) != 0;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var ct = linked.Token;
        try
        {
            if (_proxy.Fault.Cut == CutStyle.Blackhole)
            {
                // A dial into a blackhole "succeeds" here and then hears nothing, like a half-open TCP connection.
                Poison();
                await DrainAsync(_client, ct).ConfigureAwait(false);
                return;
            }

            using (var dial = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                dial.CancelAfter(ConnectTimeout);
                await _target.ConnectAsync(_proxy.Target, dial.Token).ConfigureAwait(false);
            }

            var up = PumpAsync(_client, _target, ct);
            var down = PumpAsync(_target, _client, ct);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            Close();
            await Task.WhenAll(Quietly(up), Quietly(down)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The connection ends; both sides see it closed.
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Closes both sides now.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        _proxy.Forget(this);
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
            // A continuation threw while being cancelled; the sockets are closed just below regardless.
        }
        _client.Dispose();
        _target.Dispose();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The connection is closing; how each pump noticed does not matter.
        }
    }

    private void Poison() => Volatile.Write(ref _poisoned, 1);

    private async Task DrainAsync(Socket source, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await source.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0) return;
            _proxy.CountDropped(n);
        }
    }

    /// <summary>Reads from <paramref name="source"/> as fast as it comes and writes to <paramref name="destination"/> when each chunk is due.</summary>
    private async Task PumpAsync(Socket source, Socket destination, CancellationToken ct)
    {
        var chunks = Channel.CreateUnbounded<(long ReceivedAt, byte[] Bytes)>(new() { SingleReader = true, SingleWriter = true });
        var writer = WriteChunksAsync(chunks.Reader, destination, ct);
        // A failed write (the other side closed) ends the whole connection, reader included.
        _ = writer.ContinueWith(t => { _ = t.Exception; Close(); }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var n = await source.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                chunks.Writer.TryWrite((Stopwatch.GetTimestamp(), buffer.AsSpan(0, n).ToArray()));
            }
        }
        finally
        {
            chunks.Writer.TryComplete();
        }

        // Deliver what is still delayed before passing the end of the stream on.
        await writer.ConfigureAwait(false);
        destination.Shutdown(SocketShutdown.Send);
    }

    private async Task WriteChunksAsync(ChannelReader<(long ReceivedAt, byte[] Bytes)> chunks, Socket destination, CancellationToken ct)
    {
        await foreach (var (receivedAt, bytes) in chunks.ReadAllAsync(ct).ConfigureAwait(false))
        {
            while (true)
            {
                var fault = _proxy.Fault;
                if (fault.Cut is not null || Poisoned)
                {
                    Poison();
                    _proxy.CountDropped(bytes.Length);
                    break;
                }

                var wait = fault.Delay - Stopwatch.GetElapsedTime(receivedAt);
                if (wait <= TimeSpan.Zero)
                {
                    await destination.SendAsync(bytes, SocketFlags.None, ct).ConfigureAwait(false);
                    _proxy.CountForwarded(bytes.Length);
                    break;
                }

                // Waits in short steps so that a heal or a cut during a long delay takes effect promptly; a short
                // wait is timed precisely (DelayTimer), since the runtime's Task.Delay is several milliseconds coarse.
                if (wait < TimeSpan.FromMilliseconds(50)) await DelayTimer.WaitUntilAsync(receivedAt + (long)(fault.Delay.TotalSeconds * Stopwatch.Frequency), ct).ConfigureAwait(false);
                else await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
            }
        }
    }
}
