using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using RaftKv.Protocol;
using RaftKv.Protocol.Tls;

namespace RaftKv.Client;

/// <summary>
/// One pipelined client connection to one node. Any number of callers may have requests in flight:
/// each request is registered by id, its frame is queued on a channel that a single writer loop
/// drains (so frames are never interleaved and callers never take a lock), and a single reader loop
/// completes the waiting callers by response id, in whatever order the node answers.
/// Once anything goes wrong the connection is closed for good and every waiting caller fails with
/// <see cref="ConnectionLostException"/>; the owner then dials a new one.
/// </summary>
internal sealed class NodeConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<ClientResponse>> _pending = new();
    private readonly ConcurrentDictionary<long, ChannelWriter<ClientResponse>> _streams = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _writer;
    private readonly Task _reader;
    private int _closed;
    private Exception? _closeReason;

    private NodeConnection(int nodeId, string address, Socket socket, Stream stream)
    {
        NodeId = nodeId;
        Address = address;
        _socket = socket;
        _stream = stream;
        _writer = Task.Run(() => WriteLoopAsync(_closing.Token));
        _reader = Task.Run(() => ReadLoopAsync(_closing.Token));
    }

    public int NodeId { get; }
    public string Address { get; }
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Dials <paramref name="address"/> (over mutual TLS when <paramref name="tls"/> is given) and sends the client hello.
    /// Throws on failure; the caller bounds the time with <paramref name="cancellationToken"/>.
    /// </summary>
    public static async Task<NodeConnection> ConnectAsync(int nodeId, string address, ClusterTls? tls, CancellationToken cancellationToken)
    {
        var endPoint = await ServerList.ResolveEndPointAsync(address, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                ServerList.TrySplitHostPort(address, out var host, out _, out _);
                stream = await tls.AuthenticateAsClientAsync(stream, host, cancellationToken).ConfigureAwait(false);
            }
            var hello = JsonSerializer.SerializeToUtf8Bytes(new Hello { Role = Hello.ClientRole }, ProtocolJsonContext.Default.Hello);
            var buffer = new ArrayBufferWriter<byte>(Frame.HeaderBytes + hello.Length);
            Frame.Write(buffer, hello);
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw new IOException($"TLS with {address} failed: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
        return new NodeConnection(nodeId, address, socket, stream);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the response with the same id.
    /// <paramref name="sent"/> is set once the frame was queued for the wire (from then on a write may have reached the node).
    /// </summary>
    public async Task<ClientResponse> SendAsync(ClientRequest request, StrongBox<bool> sent, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.ClientRequest);
        var waiter = new TaskCompletionSource<ClientResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(request.Id, waiter))
            throw new InvalidOperationException($"request id {request.Id} is already in flight on this connection");
        try
        {
            // Close() marks the connection closed before it fails the pending waiters, so either it
            // sees this waiter, or this check sees the mark: a caller can never wait forever.
            if (IsClosed || !_outgoing.Writer.TryWrite(payload)) throw Lost();
            sent.Value = true;
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(request.Id, out _);
        }
    }

    /// <summary>
    /// Sends a request answered by many responses (a watch) and delivers each to <paramref name="into"/>,
    /// which is completed with <see cref="ConnectionLostException"/> when the connection fails.
    /// </summary>
    public void OpenStream(ClientRequest request, ChannelWriter<ClientResponse> into)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.ClientRequest);
        if (!_streams.TryAdd(request.Id, into))
            throw new InvalidOperationException($"request id {request.Id} is already in flight on this connection");
        if (IsClosed || !_outgoing.Writer.TryWrite(payload))
        {
            _streams.TryRemove(request.Id, out _);
            throw Lost();
        }
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Batch every frame already queued into one write: pipelined callers share a syscall.
                while (buffer.WrittenCount < 1 << 20 && _outgoing.Reader.TryRead(out var payload))
                    Frame.Write(buffer, payload);
                await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }
        catch (Exception e)
        {
            Close(e);
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, ClientLimits.MaxResponseFrameBytes, out var payload))
                    Complete(Decode(payload));
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Close(new ConnectionLostException($"node {NodeId} ({Address}) closed the connection"));
                    return;
                }
            }
        }
        catch (Exception e)
        {
            Close(e);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private ClientResponse Decode(ReadOnlySequence<byte> payload)
    {
        var json = new Utf8JsonReader(payload);
        try
        {
            return JsonSerializer.Deserialize(ref json, ProtocolJsonContext.Default.ClientResponse)
                ?? throw new JsonException("null response");
        }
        catch (JsonException e)
        {
            throw new ConnectionLostException($"node {NodeId} ({Address}) sent a malformed response: {e.Message}", e);
        }
    }

    private void Complete(ClientResponse response)
    {
        // An unknown id is the late answer to an attempt that already timed out: nobody waits for it.
        if (_pending.TryRemove(response.Id, out var waiter)) waiter.TrySetResult(response);
        else if (_streams.TryGetValue(response.Id, out var stream)) stream.TryWrite(response);
    }

    private ConnectionLostException Lost() => _closeReason as ConnectionLostException
        ?? new ConnectionLostException($"connection to node {NodeId} ({Address}) is closed" + (_closeReason is null ? "" : $": {_closeReason.Message}"), _closeReason);

    private void Close(Exception reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _closeReason = reason;
        _outgoing.Writer.TryComplete();
        _closing.Cancel();
        _stream.Dispose();
        var lost = Lost();
        foreach (var (id, waiter) in _pending)
        {
            if (_pending.TryRemove(id, out _)) waiter.TrySetException(lost);
        }
        foreach (var (id, stream) in _streams)
        {
            if (_streams.TryRemove(id, out _)) stream.TryComplete(lost);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close(new ConnectionLostException($"connection to node {NodeId} ({Address}) was closed by the client"));
        await Task.WhenAll(_writer, _reader).ConfigureAwait(false);
        _closing.Dispose();
    }
}
