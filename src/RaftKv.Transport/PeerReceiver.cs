using System.IO.Pipelines;
using System.Threading.Channels;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// Reads the messages one peer sends after its hello and hands them to the node. A message that claims to come from
/// another node, or is addressed to another node, means a confused or hostile sender: the connection is closed.
/// </summary>
internal sealed class PeerReceiver(int peerId, TransportOptions options, ChannelWriter<Message> inbound)
{
    public async Task RunAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        await foreach (var batch in FrameBatches.ReadAsync(reader, options.MaxPeerFrameBytes, p => Check(MessageCodec.Read(p)), cancellationToken).ConfigureAwait(false))
        {
            foreach (var message in batch)
            {
                if (!inbound.TryWrite(message)) await inbound.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Message Check(Message message)
    {
        if (message.From != peerId)
            throw new ProtocolException($"peer {peerId} sent a {message.Type} message claiming to be from node {message.From}");
        if (message.To != options.NodeId)
            throw new ProtocolException($"peer {peerId} sent a {message.Type} message for node {message.To} to node {options.NodeId}");
        return message;
    }
}
