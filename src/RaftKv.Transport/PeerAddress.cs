using System.Net;
using System.Net.Sockets;
using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>A peer's "host:port" (as in servers.txt): an IP literal ("[::1]:7000" for IPv6) or a name resolved by DNS.</summary>
internal sealed record PeerAddress(string Host, int Port)
{
    /// <summary>Reads "host:port" by the servers-file rule (<see cref="ServerList.TrySplitHostPort"/>).</summary>
    public static PeerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!ServerList.TrySplitHostPort(text.Trim(), out var host, out var port, out var reason))
            throw new ArgumentException($"peer address '{text}': {reason}", nameof(text));
        return new PeerAddress(host, port);
    }

    /// <summary>The addresses to try, in order; a name is looked up each time, so a peer that moved is found again.</summary>
    public async Task<IPAddress[]> ResolveAsync(CancellationToken cancellationToken) =>
        IPAddress.TryParse(Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);

    /// <summary>Connects to the first address that answers. Throws <see cref="SocketException"/> when none does.</summary>
    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(address, Port, cancellationToken).ConfigureAwait(false);
                socket.NoDelay = true;
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex; // "localhost" may list ::1 first while the peer listens on 127.0.0.1 only
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
