using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>A test's end of a TCP connection to a node, speaking the wire format by hand (or breaking it on purpose).</summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, Eventually.Deadline());
            return new RawConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<RawConnection> ConnectClientAsync(IPEndPoint endPoint)
    {
        var connection = await ConnectAsync(endPoint);
        await connection.SendJsonAsync("""{"role":"client"}""");
        return connection;
    }

    public static byte[] FrameOf(string json) => FrameOf(Encoding.UTF8.GetBytes(json));

    public static byte[] FrameOf(byte[] payload)
    {
        var frame = new byte[Frame.HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, Frame.HeaderBytes);
        return frame;
    }

    public static byte[] FrameOf(Message message)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageCodec.Write(output, message);
        return output.WrittenSpan.ToArray();
    }

    public static string HelloJson(string role, string? clusterId = null, int? nodeId = null) =>
        JsonSerializer.Serialize(new Hello { Role = role, ClusterId = clusterId, NodeId = nodeId }, ProtocolJsonContext.Default.Hello);

    public Task SendJsonAsync(string json) => SendRawAsync(FrameOf(json));

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, Eventually.Deadline());

    public Task SendRequestAsync(ClientRequest request) =>
        SendRawAsync(FrameOf(JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.ClientRequest)));

    public async Task<ClientResponse> ReadResponseAsync(TimeSpan? deadline = null)
    {
        var cancel = Eventually.Deadline(deadline);
        var header = new byte[Frame.HeaderBytes];
        await _stream.ReadExactlyAsync(header, cancel);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await _stream.ReadExactlyAsync(payload, cancel);
        return JsonSerializer.Deserialize(payload, ProtocolJsonContext.Default.ClientResponse)!;
    }

    /// <summary>Sends one request and returns its answer (for a connection with nothing else in flight).</summary>
    public async Task<ClientResponse> AskAsync(ClientRequest request)
    {
        await SendRequestAsync(request);
        return await ReadResponseAsync();
    }

    /// <summary>True once the node has closed this connection (end of stream or reset) within the deadline.</summary>
    public async Task<bool> IsClosedByPeerAsync(TimeSpan? deadline = null)
    {
        var buffer = new byte[256];
        try
        {
            var cancel = Eventually.Deadline(deadline);
            while (await _stream.ReadAsync(buffer, cancel) > 0)
            {
                // Anything the node still had queued is not what we wait for.
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset: the node closed with unread bytes in its buffer
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
