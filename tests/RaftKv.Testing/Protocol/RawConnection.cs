using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Testing.Protocol;

/// <summary>
/// A client connection written from docs/PROTOCOL.md alone, byte by byte, for tests that must send what the
/// real client never would (half a frame) or see a node's exact answer without retries.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;

    private RawConnection(Socket socket) => _socket = socket;

    /// <summary>Connects to <paramref name="address"/> ("127.0.0.1:port"), optionally sending the client hello.</summary>
    public static async Task<RawConnection> ConnectAsync(string address, bool hello, CancellationToken cancellationToken)
    {
        var colon = address.LastIndexOf(':');
        var endPoint = new IPEndPoint(IPAddress.Parse(address[..colon]), int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new RawConnection(socket);
        if (hello)
            await connection.SendFrameAsync(JsonSerializer.SerializeToUtf8Bytes(new Hello { Role = Hello.ClientRole }, ProtocolJsonContext.Default.Hello), cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Sends a frame: 4-byte big-endian length, then the payload.</summary>
    public Task SendFrameAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[Frame.HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, Frame.HeaderBytes);
        return SendBytesAsync(frame, cancellationToken);
    }

    /// <summary>Sends raw bytes: part of a frame, garbage, anything.</summary>
    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends <paramref name="request"/> and reads frames until its answer.</summary>
    public async Task<ClientResponse> RequestAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        await SendFrameAsync(JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.ClientRequest), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            if (response.Id == request.Id) return response;
        }
    }

    /// <summary>Reads one response frame; <see cref="EndOfStreamException"/> when the node closes the connection.</summary>
    public async Task<ClientResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var header = new byte[Frame.HeaderBytes];
        await ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        var payload = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadExactlyAsync(payload.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(payload.AsSpan(0, length), ProtocolJsonContext.Default.ClientResponse)
                ?? throw new InvalidDataException("the node sent a null response");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException("the node closed the connection");
            buffer = buffer[n..];
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
