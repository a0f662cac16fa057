using System.Diagnostics;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// Streams InstallSnapshot to one peer (docs/PROTOCOL.md "Snapshot streams"), beside that peer's link: a connection
/// of its own (hello role <c>peer-snapshot</c>), an offer frame, then the data in binary chunks of
/// <see cref="TransportOptions.SnapshotChunkBytes"/>, each flushed before the next is written. So a snapshot of any size
/// travels in bounded frames; one chunk is in this node's buffers at a time (TCP's window is the flow control); and the
/// peer link keeps carrying heartbeats and appends meanwhile, as do the links to every other follower.
/// The data is read from the snapshot's handle (a file, in a node) a chunk at a time, so neither end holds the snapshot
/// in memory. A broken stream is simply dropped: the receiver throws its partial file away, and the leader's core,
/// hearing nothing, sends the snapshot again, which starts a new stream from the first byte.
/// Only the link's pump calls <see cref="Offer"/>, so it needs no lock.
/// </summary>
internal sealed class SnapshotStreamer(int peerId, PeerAddress address, TransportOptions options, ILogger logger)
{
    private sealed record Transfer(long Index, long SnapshotTerm, long Term, CancellationTokenSource Stop, Task Task);

    private Transfer? _current;
    private long _started;
    private long _chunksSent;

    /// <summary>Streams started so far (a repeated offer of the snapshot already on its way starts none).</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>
    /// Sends <paramref name="message"/> (an InstallSnapshot) as a stream, unless one of this leader's term is on its way
    /// already. The core repeats the message every election timeout while it waits for an answer, with its newest
    /// snapshot: were a newer snapshot to restart the stream, a state that takes longer to send than the leader takes to
    /// compact again would never arrive. The follower installs the one under way and is brought on from there (by the
    /// log, or by the next snapshot). Only a message of another term (a new leadership) replaces the stream.
    /// </summary>
    public void Offer(Message message, CancellationToken linkStopping)
    {
        var metadata = message.Snapshot!.Metadata;
        if (_current is { } running && !running.Task.IsCompleted)
        {
            if (running.Term == message.Term) return;
            running.Stop.Cancel();
        }
        var stop = CancellationTokenSource.CreateLinkedTokenSource(linkStopping);
        var task = Task.Run(() => SendAsync(message, stop.Token), CancellationToken.None);
        _ = task.ContinueWith(_ => stop.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _current = new Transfer(metadata.Index, metadata.Term, message.Term, stop, task);
        Interlocked.Increment(ref _started);
    }

    /// <summary>Chunk frames written so far, over every stream (tests: a snapshot goes in bounded pieces).</summary>
    public long ChunksSent => Interlocked.Read(ref _chunksSent);

    /// <summary>Waits for the stream under way, if any, to end (the link is stopping, which cancels it).</summary>
    public Task StoppedAsync() => _current?.Task ?? Task.CompletedTask;

    private async Task SendAsync(Message message, CancellationToken cancellationToken)
    {
        var snapshot = message.Snapshot!;
        var index = snapshot.Metadata.Index;
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Opened once, before anything is sent: a newer snapshot may replace this one (and its file be deleted) while
            // the transfer runs, and the open handle keeps it readable until the transfer ends.
            var data = snapshot.Data.OpenRead();
            await using (data.ConfigureAwait(false))
            {
                var length = snapshot.Data.Length;
                var chunk = new byte[Math.Min(options.SnapshotChunkBytes, Math.Max(length, 1))];
                var checksum = await ChecksumAsync(snapshot.Data, data, length, chunk, cancellationToken).ConfigureAwait(false);
                // Every ISnapshotData of ours (file section, staging file, array) can rewind.
                if (!data.CanSeek) throw new IOException($"snapshot data ({snapshot.Data}) cannot be read twice");
                data.Position = 0;
                using var socket = await PeerDialer.DialAsync(address, options, cancellationToken).ConfigureAwait(false);
                var stream = await OpenAsync(socket, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
                    var scratch = new PayloadBuffer();
                    TransportLog.SnapshotStreamStarted(logger, index, length, peerId, options.SnapshotChunkBytes);
                    var hello = new Hello { Role = Hello.SnapshotRole, ClusterId = options.ClusterId, NodeId = options.NodeId };
                    Frame.Write(writer, scratch.Serialize(hello, ProtocolJsonContext.Default.Hello));
                    var offer = new SnapshotOffer(message, length, checksum);
                    Frame.Write(writer, scratch.Serialize(offer, PeerJsonContext.Default.SnapshotOffer));
                    for (long offset = 0; offset < length;)
                    {
                        var size = (int)Math.Min(chunk.Length, length - offset);
                        await data.ReadExactlyAsync(chunk.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
                        Frame.Write(writer, chunk.AsSpan(0, size));
                        offset += size;
                        Interlocked.Increment(ref _chunksSent);
                        // One chunk at a time: the flush waits while the receiver (or the network) is slower than we are.
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    await writer.CompleteAsync().ConfigureAwait(false);
                    if (options.Tls is null) socket.Shutdown(SocketShutdown.Send);
                    await WaitForCloseAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }
            TransportLog.SnapshotStreamSent(logger, index, peerId, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Replaced by a newer snapshot, or the link is stopping.
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or ObjectDisposedException
                                       or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            TransportLog.SnapshotStreamFailed(logger, index, peerId, ex.Message);
        }
    }

    /// <summary>
    /// The CRC-64 of the whole snapshot, which the offer carries before the first chunk: one read of the data, a chunk
    /// at a time (the file is in the page cache afterwards, for the send).
    /// </summary>
    private static async Task<ulong> ChecksumAsync(ISnapshotData snapshot, Stream data, long length, byte[] buffer, CancellationToken cancellationToken)
    {
        var checksum = new Crc64();
        for (long offset = 0; offset < length;)
        {
            var n = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - offset)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new IOException($"snapshot data ({snapshot}) ended after {offset} of {length} bytes");
            checksum.Append(buffer.AsSpan(0, n));
            offset += n;
        }
        return checksum.GetCurrentHashAsUInt64();
    }

    private async Task<Stream> OpenAsync(Socket socket, CancellationToken cancellationToken)
    {
        var plain = new NetworkStream(socket, ownsSocket: false);
        if (options.Tls is not { } tls) return plain;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        return await tls.AuthenticateAsClientAsync(plain, address.Host, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>How long the receiver may take, after the last chunk, to check the whole snapshot and close.</summary>
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The receiver closes once it has the whole snapshot and checked it; until then our last bytes may be in flight.</summary>
    private async Task WaitForCloseAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(VerifyTimeout);
        var buffer = new byte[1];
        try
        {
            if (await stream.ReadAsync(buffer, deadline.Token).ConfigureAwait(false) != 0)
                throw new IOException("the receiver wrote on a snapshot stream");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("the receiver did not close the stream after the last chunk");
        }
    }
}
