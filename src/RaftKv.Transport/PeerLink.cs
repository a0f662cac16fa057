using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// The long-lived outbound connection to one peer, with its queue. One loop dials, sends the hello, then drains the
/// queue into the socket (everything queued, one flush), and redials with backoff when the connection breaks.
/// Messages offered while the link is down are dropped at once: Raft resends what matters, and a backlog of stale
/// heartbeats delivered after a reconnect would only be noise.
/// </summary>
internal sealed class PeerLink
{
    // Bounds what one drain may buffer before it pushes bytes out (a queue of large appends must not all sit in memory).
    private const int FlushThresholdBytes = 1 << 20;

    private readonly int _peerId;
    private readonly PeerAddress _address;
    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Message> _queue;
    private readonly PayloadBuffer _scratch = new();
    private readonly SnapshotStreamer _snapshots;
    private volatile bool _connected;
    private bool _everConnected;
    private bool _reportedDown;
    private long _dropped;
    private long _sent;

    public PeerLink(int peerId, PeerAddress address, TransportOptions options, ILogger logger)
    {
        _peerId = peerId;
        _address = address;
        _options = options;
        _logger = logger;
        _snapshots = new SnapshotStreamer(peerId, address, options, logger);
        _queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.PeerQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with Wait, TryWrite on a full queue fails instead of dropping silently
        });
    }

    public bool IsConnected => _connected;
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Snapshot streams started to this peer (see <see cref="SnapshotStreamer"/>).</summary>
    public long SnapshotStreams => _snapshots.Started;

    /// <summary>Snapshot chunk frames written to this peer so far.</summary>
    public long SnapshotChunks => _snapshots.ChunksSent;

    /// <summary>Queues <paramref name="message"/> if the link is up and has room; otherwise counts it as dropped. Never blocks.</summary>
    public void Send(Message message)
    {
        if (!_connected || !_queue.Writer.TryWrite(message)) Interlocked.Increment(ref _dropped);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunLinkAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _snapshots.StoppedAsync().ConfigureAwait(false);
        }
    }

    private async Task RunLinkAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.ReconnectMin, _options.ReconnectMax);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await DialAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Refused, timed out, or a name that does not resolve (yet): all mean "try again later".
                var delay = backoff.Delay(failures++);
                if (!_reportedDown)
                {
                    TransportLog.PeerUnreachable(_logger, _peerId, _address.ToString(), ex.Message);
                    _reportedDown = true;
                }
                else
                {
                    TransportLog.DialFailed(_logger, _peerId, _address.ToString(), ex.Message, delay);
                }
                if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false)) return;
                continue;
            }

            var connectedAt = Environment.TickCount64;
            string reason;
            try
            {
                reason = await PumpAsync(socket, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A broken socket, usually; whatever it was, it cost this connection and the link redials.
                reason = ex.Message;
            }
            finally
            {
                _connected = false;
                socket.Dispose();
                DropQueued();
            }

            if (_everConnected && !_reportedDown)
            {
                if (reason == ClosedByPeer) TransportLog.PeerClosed(_logger, _peerId, _address.ToString());
                else TransportLog.PeerLost(_logger, _peerId, _address.ToString(), reason);
                _reportedDown = true;
            }
            // A connection that is refused right after the hello (a node of another cluster) must not turn into a
            // redial storm, so only a connection that held for a while earns a fresh start of the backoff.
            if (Environment.TickCount64 - connectedAt > (long)_options.ReconnectMax.TotalMilliseconds) failures = 0;
            if (!await DelayAsync(backoff.Delay(failures++), cancellationToken).ConfigureAwait(false)) return;
        }
    }

    private Task<Socket> DialAsync(CancellationToken cancellationToken) => PeerDialer.DialAsync(_address, _options, cancellationToken);

    /// <summary>Sends the hello, then the queue, until the connection breaks; returns why it ended.</summary>
    private async Task<string> PumpAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (_options.Tls is { } tls)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.ConnectTimeout);
            try
            {
                stream = await tls.AuthenticateAsClientAsync(stream, _address.Host, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                                       ex is System.Security.Authentication.AuthenticationException or IOException or SocketException or OperationCanceledException)
            {
                TransportLog.PeerTlsFailed(_logger, _peerId, _address.ToString(), ex.InnerException?.Message ?? ex.Message);
                return "TLS handshake failed";
            }
        }
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        var watching = WatchForCloseAsync(socket, _options.Tls is null ? null : stream, broken);
        try
        {
            var hello = new Hello { Role = Hello.PeerRole, ClusterId = _options.ClusterId, NodeId = _options.NodeId };
            Frame.Write(writer, _scratch.Serialize(hello, ProtocolJsonContext.Default.Hello));
            await writer.FlushAsync(broken.Token).ConfigureAwait(false);

            _connected = true;
            if (!_everConnected || _reportedDown) TransportLog.PeerConnected(_logger, _peerId, _address.ToString());
            _everConnected = true;
            _reportedDown = false;

            var queue = _queue.Reader;
            while (await queue.WaitToReadAsync(broken.Token).ConfigureAwait(false))
            {
                while (queue.TryRead(out var message))
                {
                    if (message.Type == MessageType.Snapshot)
                    {
                        // Never in one frame: a snapshot of any size goes as a stream of bounded chunks, beside this link.
                        _snapshots.Offer(message, cancellationToken);
                        Interlocked.Increment(ref _sent);
                        continue;
                    }
                    var payload = _scratch.Serialize(message, PeerJsonContext.Default.Message);
                    if (payload.Length > _options.MaxPeerFrameBytes)
                    {
                        // The peer would close the connection on it; better to lose this one message than the link.
                        Interlocked.Increment(ref _dropped);
                        TransportLog.MessageTooLarge(_logger, message.Type, _peerId, payload.Length, _options.MaxPeerFrameBytes);
                        continue;
                    }
                    Frame.Write(writer, payload);
                    Interlocked.Increment(ref _sent);
                    if (writer.UnflushedBytes >= FlushThresholdBytes) await writer.FlushAsync(broken.Token).ConfigureAwait(false);
                }
                await writer.FlushAsync(broken.Token).ConfigureAwait(false);
            }
            return "sender stopped";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await watching.ConfigureAwait(false); // only the watcher cancels `broken` on its own
        }
        finally
        {
            await broken.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
            socket.Dispose(); // first, so completing the writer cannot block on a flush to a dead peer
            try
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // Whatever was still buffered is lost with the connection, like everything else in flight.
            }
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The listening side never writes on a peer connection, so a completed receive means the peer closed (or
    /// broke the protocol). Noticing it here, instead of at the next failing write, lets the link redial at once.
    /// </summary>
    /// <summary>The reason of a connection the peer closed cleanly (an orderly TCP close, no error).</summary>
    private const string ClosedByPeer = "closed by the peer";

    private static async Task<string> WatchForCloseAsync(Socket socket, Stream? tls, CancellationTokenSource broken)
    {
        var buffer = new byte[1];
        string reason;
        try
        {
            // Over TLS the watcher reads through the TLS stream (which takes one reader beside one writer): the server's
            // own TLS records (session tickets) are not application data.
            var read = tls is null
                ? await socket.ReceiveAsync(buffer, SocketFlags.None, broken.Token).ConfigureAwait(false)
                : await tls.ReadAsync(buffer, broken.Token).ConfigureAwait(false);
            reason = read == 0 ? ClosedByPeer : "the peer wrote on a send-only connection";
        }
        catch (OperationCanceledException)
        {
            return "closed by us";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            reason = ex.Message;
        }
        await broken.CancelAsync().ConfigureAwait(false);
        return reason;
    }

    private void DropQueued()
    {
        while (_queue.Reader.TryRead(out _)) Interlocked.Increment(ref _dropped);
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
