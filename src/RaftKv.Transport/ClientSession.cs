using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// Serves one client connection after its hello. Requests are dispatched as they arrive, each on its own, so many
/// are in flight at once; responses go out in completion order (the client matches them by id), batched by a
/// single writer loop. At most <see cref="TransportOptions.MaxRequestsInFlightPerClient"/> run at once: past that we
/// stop reading, and TCP pushes back on the client.
/// </summary>
internal sealed class ClientSession(TransportOptions options, IClientRequestHandler handler, ILogger logger)
{
    /// <summary>A response to write; <see cref="Written"/>, when there is one, completes once it is flushed (stream back-pressure).</summary>
    private readonly record struct Outgoing(ClientResponse Response, TaskCompletionSource? Written);

    private readonly Channel<Outgoing> _responses =
        Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    // Streams (watches) never end on their own: they stop when the client closes its sending side, or the connection ends.
    private readonly CancellationTokenSource _streamsStop = new();
    private readonly SemaphoreSlim _slots = new(options.MaxRequestsInFlightPerClient, options.MaxRequestsInFlightPerClient);

    /// <summary>Runs until the client closes its side and every answer is written, or until the connection fails.</summary>
    public async Task RunAsync(PipeReader reader, PipeWriter writer, CancellationToken cancellationToken)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = WriteResponsesAsync(writer, connection);
        try
        {
            await ReadRequestsAsync(reader, connection.Token).ConfigureAwait(false);
            // The client closed its sending side: answer what it already asked, end its streams, then finish.
            await _streamsStop.CancelAsync().ConfigureAwait(false);
            await WaitForRequestsInFlightAsync(CancellationToken.None).ConfigureAwait(false);
            _responses.Writer.TryComplete();
            await writing.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && writing.IsFaulted)
        {
            await writing.ConfigureAwait(false); // the write failure that stopped the reader is the one to report
        }
        finally
        {
            // On any failure: stop the handlers still running and the writer, and wait for them so nothing outlives us.
            await connection.CancelAsync().ConfigureAwait(false);
            await WaitForRequestsInFlightAsync(CancellationToken.None).ConfigureAwait(false);
            _responses.Writer.TryComplete();
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Already failing or closing; the first error is the one reported.
            }
            await _streamsStop.CancelAsync().ConfigureAwait(false);
            _slots.Dispose();
            _streamsStop.Dispose();
        }
    }

    private async Task ReadRequestsAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var requests = FrameBatches.ReadAsync(reader, options.MaxClientFrameBytes,
            p => JsonPayload.Read(p, ProtocolJsonContext.Default.ClientRequest, "client request"), cancellationToken);
        await foreach (var batch in requests.ConfigureAwait(false))
        {
            foreach (var request in batch)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                _ = ServeAsync(request, cancellationToken);
            }
        }
    }

    /// <summary>Runs one request to its response. Never throws: a failing handler is an answer, not a crash.</summary>
    private async Task ServeAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        try
        {
            ClientResponse response;
            try
            {
                if (handler is IStreamingClientRequestHandler streaming && streaming.IsStream(request))
                {
                    using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _streamsStop.Token);
                    await streaming.StreamAsync(request, (r, ct) => EmitAsync(request, r, ct), stream.Token).ConfigureAwait(false);
                    return;
                }
                response = await handler.HandleAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.Id != request.Id) response = response with { Id = request.Id };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || _streamsStop.IsCancellationRequested)
            {
                return; // the connection is closing; nobody is left to answer
            }
            catch (Exception ex)
            {
                // Bad arguments are the client's fault and retrying will not help; anything else may pass.
                var status = ex is ArgumentException or FormatException or JsonException ? ClientStatus.BadRequest : ClientStatus.Unavailable;
                TransportLog.HandlerFailed(logger, request.Id, status, ex);
                response = new ClientResponse { Id = request.Id, Status = status, Error = ex.Message };
            }
            _responses.Writer.TryWrite(new Outgoing(response, null));
        }
        finally
        {
            _slots.Release();
        }
    }

    private async ValueTask EmitAsync(ClientRequest request, ClientResponse response, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_responses.Writer.TryWrite(new Outgoing(response with { Id = request.Id }, written)))
            throw new OperationCanceledException("the connection is closing", cancellationToken);
        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every running request holds a slot; holding them all means none is left running. Called with
    /// <see cref="CancellationToken.None"/>: handlers get the connection's token, so on a close this waits only as
    /// long as they take to notice it, and we must not return while one could still write a response.
    /// </summary>
    private async Task WaitForRequestsInFlightAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < options.MaxRequestsInFlightPerClient; i++) await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        _slots.Release(options.MaxRequestsInFlightPerClient);
    }

    private async Task WriteResponsesAsync(PipeWriter writer, CancellationTokenSource connection)
    {
        var scratch = new PayloadBuffer();
        var responses = _responses.Reader;
        var flushed = new List<TaskCompletionSource>();
        try
        {
            while (await responses.WaitToReadAsync(connection.Token).ConfigureAwait(false))
            {
                // Everything that is ready goes out with one flush (one send system call when it fits).
                while (responses.TryRead(out var outgoing))
                {
                    Frame.Write(writer, scratch.Serialize(outgoing.Response, ProtocolJsonContext.Default.ClientResponse));
                    if (outgoing.Written is { } w) flushed.Add(w);
                }
                await writer.FlushAsync(connection.Token).ConfigureAwait(false);
                foreach (var w in flushed) w.TrySetResult();
                flushed.Clear();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone; reading on would only let its requests pile up.
            await connection.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
