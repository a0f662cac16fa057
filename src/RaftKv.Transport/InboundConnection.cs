using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// One accepted connection, from its hello to its close. Whatever goes wrong on it ends here, with at most one log
/// line: a warning when the remote broke the protocol, a debug line when it merely went away.
/// </summary>
internal sealed class InboundConnection(
    Socket socket, TransportOptions options, ChannelWriter<Message> inbound, IClientRequestHandler clients, ILogger logger)
{
    /// <summary>A hello is a few dozen bytes; this small limit keeps an unidentified caller from making us buffer megabytes.</summary>
    internal const int MaxHelloBytes = 1024;

    private readonly EndPoint? _remote = socket.RemoteEndPoint;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int? peerId = null;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (options.Tls is { } tls)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.HelloTimeout);
            try
            {
                stream = await tls.AuthenticateAsServerAsync(stream, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                                       ex is AuthenticationException or IOException or SocketException or OperationCanceledException)
            {
                // A plain-TCP caller, a certificate of another CA, or none at all: one line, naming who it was.
                var reason = ex is OperationCanceledException ? $"no TLS handshake within {options.HelloTimeout.TotalSeconds:0.###} s" : Describe(ex);
                TransportLog.TlsRefused(logger, _remote, reason);
                await stream.DisposeAsync().ConfigureAwait(false);
                return;
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            socket.NoDelay = true;
            var hello = await ReadHelloAsync(reader, cancellationToken).ConfigureAwait(false);
            if (hello.Role == Hello.ClientRole)
            {
                var session = new ClientSession(options, clients, logger);
                await session.RunAsync(reader, writer, cancellationToken).ConfigureAwait(false);
                TransportLog.ConnectionClosed(logger, _remote, "client closed the connection");
            }
            else if (hello.Role == Hello.SnapshotRole)
            {
                peerId = CheckPeerHello(hello);
                var receiver = new SnapshotReceiver(peerId.Value, options, inbound, logger);
                await receiver.RunAsync(reader, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                peerId = CheckPeerHello(hello);
                TransportLog.PeerAccepted(logger, peerId.Value, _remote);
                var receiver = new PeerReceiver(peerId.Value, options, inbound);
                await receiver.RunAsync(reader, cancellationToken).ConfigureAwait(false);
                TransportLog.PeerLeft(logger, peerId.Value, _remote, "closed by the peer");
            }
        }
        catch (Exception ex) when (ex is ProtocolException or FrameTooLargeException)
        {
            TransportLog.ConnectionRejected(logger, _remote, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping; it says so itself.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ChannelClosedException)
        {
            if (peerId is { } id) TransportLog.PeerLeft(logger, id, _remote, ex.Message);
            else TransportLog.ConnectionClosed(logger, _remote, ex.Message);
        }
        catch (Exception ex)
        {
            // A bug of ours, not the remote's doing: it costs this connection, never the server.
            TransportLog.ConnectionFailed(logger, _remote, ex);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The innermost message: SslStream wraps the useful reason ("remote certificate was rejected") in layers.</summary>
    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(": ", messages.Distinct());
    }

    private async Task<Hello> ReadHelloAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.HelloTimeout);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(deadline.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (Frame.TryRead(ref buffer, MaxHelloBytes, out var payload))
                {
                    var hello = JsonPayload.Read(payload, ProtocolJsonContext.Default.Hello, "hello");
                    reader.AdvanceTo(buffer.Start);
                    return hello;
                }
                if (result.IsCompleted)
                    throw new EndOfStreamException(buffer.IsEmpty ? "closed before its hello" : "closed in the middle of its hello");
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProtocolException($"no hello within {options.HelloTimeout.TotalSeconds:0.###} s");
        }
    }

    private int CheckPeerHello(Hello hello)
    {
        if (hello.Role is not (Hello.PeerRole or Hello.SnapshotRole))
            throw new ProtocolException($"hello with unknown role '{hello.Role}' (expected '{Hello.ClientRole}', '{Hello.PeerRole}' or '{Hello.SnapshotRole}')");
        if (hello.ClusterId != options.ClusterId)
            throw new ProtocolException($"peer hello for cluster '{hello.ClusterId}', but this node belongs to cluster '{options.ClusterId}'");
        if (hello.NodeId is not { } id || id < 0)
            throw new ProtocolException($"peer hello without a valid node id ({hello.NodeId?.ToString() ?? "none"})");
        if (id == options.NodeId)
            throw new ProtocolException($"peer hello claims node id {id}, which is this node's own id");
        return id;
    }
}
