using System.Buffers;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// The receiving end of a snapshot stream (docs/PROTOCOL.md "Snapshot streams"; sender: <see cref="SnapshotStreamer"/>).
/// Chunks go straight to a staging file in <see cref="TransportOptions.SnapshotStagingDirectory"/>, so this side holds
/// one frame at a time however large the snapshot is. Only when every byte has arrived and the CRC-64 of all of them
/// matches the offer is the InstallSnapshot message handed to the node (whose storage then installs it atomically:
/// temporary file, fsync, rename). A stream that breaks, lies about its length or fails the checksum changes nothing:
/// the staging file is deleted and the connection closed. A snapshot that passes is handed on as a handle on its staging
/// file (<see cref="StagedSnapshotData"/>), never read into memory: no size limit short of the disk.
/// </summary>
internal sealed class SnapshotReceiver(int peerId, TransportOptions options, ChannelWriter<Message> inbound, ILogger logger)
{
    public async Task RunAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var offer = await ReadOfferAsync(reader, cancellationToken).ConfigureAwait(false);
        var message = offer.Message;
        var index = message.Snapshot!.Metadata.Index;
        var directory = SnapshotStaging.Directory(options);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"from-{peerId}-{index:x16}-{Guid.NewGuid():N}{SnapshotStaging.Suffix}");
        var staged = new StagedSnapshotData(path, offer.Length);
        var handedOver = false;
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var checksum = new Crc64();
                long received = 0;
                while (received < offer.Length)
                {
                    var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    try
                    {
                        while (received < offer.Length && Frame.TryRead(ref buffer, options.MaxPeerFrameBytes, out var chunk))
                        {
                            if (received + chunk.Length > offer.Length)
                                throw new ProtocolException($"snapshot stream from node {peerId}: chunks carry more than the {offer.Length} bytes offered");
                            foreach (var segment in chunk)
                            {
                                checksum.Append(segment.Span);
                                await file.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                            }
                            received += chunk.Length;
                        }
                    }
                    finally
                    {
                        reader.AdvanceTo(buffer.Start, buffer.End);
                    }
                    if (result.IsCompleted && received < offer.Length)
                        throw new EndOfStreamException($"snapshot stream closed after {received} of {offer.Length} bytes");
                }
                if (checksum.GetCurrentHashAsUInt64() != offer.Checksum)
                    throw new ProtocolException($"snapshot stream from node {peerId}: checksum mismatch over {offer.Length} bytes; snapshot at index {index} discarded");
            }
            TransportLog.SnapshotReceived(logger, index, offer.Length, peerId);
            // The node restores from the staging file and stores its own copy, then deletes it (StagedSnapshotData.Dispose).
            await inbound.WriteAsync(message with { Snapshot = message.Snapshot with { Data = staged } }, cancellationToken).ConfigureAwait(false);
            handedOver = true;
        }
        finally
        {
            // A stream cut off, too long, or failing its checksum leaves nothing behind: the leader sends it again, anew.
            if (!handedOver) staged.Dispose();
        }
    }

    private async Task<SnapshotOffer> ReadOfferAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (Frame.TryRead(ref buffer, options.MaxPeerFrameBytes, out var payload))
            {
                SnapshotOffer offer;
                try
                {
                    offer = JsonPayload.Read(payload, PeerJsonContext.Default.SnapshotOffer, "snapshot offer");
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
                return Check(offer);
            }
            if (result.IsCompleted) throw new EndOfStreamException("snapshot stream closed before its offer");
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private SnapshotOffer Check(SnapshotOffer offer)
    {
        var message = offer.Message ?? throw new ProtocolException("snapshot offer without a message");
        if (message.Entries is null) message = message with { Entries = [] };
        MessageCodec.Validate(message);
        PeerReceiver.CheckAddressing(peerId, options.NodeId, message);
        if (message.Type != MessageType.Snapshot)
            throw new ProtocolException($"snapshot stream from node {peerId} offers a {message.Type} message");
        if (offer.Length < 0)
            throw new ProtocolException($"snapshot stream from node {peerId} offers {offer.Length} bytes");
        return offer with { Message = message };
    }
}
