using System.IO.Hashing;
using System.Threading.Channels;
using RaftKv.Protocol;

namespace RaftKv.Client;

public sealed partial class RaftClient
{
    /// <summary>
    /// A backup (docs/PROTOCOL.md "snapshot"): the leader's state as it has applied it, written to
    /// <paramref name="destination"/> as a snapshot file (the layout raftnode --restore reads). The bytes are checked
    /// against the length and CRC-64 the leader announced first; on a mismatch <see cref="InvalidDataException"/> is
    /// thrown and the destination holds garbage (write to a temporary file and rename on success).
    /// </summary>
    /// <exception cref="ClusterUnavailableException">No node led, or none answered, within the client's timeout.</exception>
    public async Task<SnapshotSaveResult> SaveSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        var node = PickNode();
        string problem = "no node answered";
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                try
                {
                    await Task.Delay(Backoff.ClientRetry.Delay(attempt - 1), deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ClusterUnavailableException($"snapshot save: {problem}", _options.Timeout, outcomeUnknown: false);
                }
            }
            var responses = Channel.CreateUnbounded<ClientResponse>(new UnboundedChannelOptions { SingleReader = true });
            NodeConnection connection;
            try
            {
                connection = await NodeConnection.ConnectAsync(node, AddressOf(node), _options.Tls, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ConnectionLostException)
            {
                problem = $"node {node}: {e.Message}";
                node = (node + 1) % _options.Servers.Count;
                continue;
            }
            await using (connection.ConfigureAwait(false))
            {
                connection.OpenStream(new ClientRequest { Id = Interlocked.Increment(ref _nextRequestId), Op = ClientOp.Snapshot }, responses.Writer);
                ClientResponse first;
                try
                {
                    // Not bounded by the timeout: the leader serialises the whole state before its first answer.
                    first = await responses.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or ConnectionLostException or ChannelClosedException)
                {
                    problem = $"node {node}: {e.Message}";
                    node = (node + 1) % _options.Servers.Count;
                    continue;
                }
                Learn(node, first);
                if (first.Status == ClientStatus.NotLeader)
                {
                    problem = $"node {node} does not lead";
                    node = first.LeaderId is int leader && leader >= 0 && leader != node ? leader : (node + 1) % _options.Servers.Count;
                    continue;
                }
                if (first.Status != ClientStatus.Ok || first.Length is not long length || first.Checksum is not ulong expected
                    || first.Index is not long index || first.SnapshotTerm is not long term)
                {
                    problem = $"node {node}: {first.Error ?? first.Status.ToString()}";
                    node = (node + 1) % _options.Servers.Count;
                    continue;
                }
                // The transfer itself is not bounded by the request timeout: a large state takes as long as it takes.
                var checksum = new Crc64();
                long received = 0;
                while (received < length)
                {
                    var chunk = await responses.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (chunk.Status != ClientStatus.Ok || chunk.Chunk is null)
                        throw new InvalidDataException($"snapshot save: node {node} broke off after {received} of {length} bytes: {chunk.Error ?? chunk.Status.ToString()}");
                    checksum.Append(chunk.Chunk);
                    await destination.WriteAsync(chunk.Chunk, cancellationToken).ConfigureAwait(false);
                    received += chunk.Chunk.Length;
                }
                if (received != length || checksum.GetCurrentHashAsUInt64() != expected)
                    throw new InvalidDataException($"snapshot save: received {received} bytes with CRC-64 {checksum.GetCurrentHashAsUInt64():x16}; node {node} announced {length} bytes with CRC-64 {expected:x16}");
                await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                return new SnapshotSaveResult(node, index, term, length, expected);
            }
        }
    }
}
