using System.Net.Sockets;

namespace RaftKv.Transport;

/// <summary>Opening a connection to a peer: one dial with a deadline, the one rule both the peer link and the snapshot stream follow.</summary>
internal static class PeerDialer
{
    /// <summary>Connects to <paramref name="address"/>; throws <see cref="TimeoutException"/> past <see cref="TransportOptions.ConnectTimeout"/>.</summary>
    public static async Task<Socket> DialAsync(PeerAddress address, TransportOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            return await address.ConnectAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {options.ConnectTimeout.TotalSeconds:0.###} s");
        }
    }
}
