using System.Globalization;
using System.Net;

namespace RaftKv.Host.Http;

/// <summary>
/// Where the dashboard, <c>/metrics</c> and the health endpoints listen: <c>--http HOST:PORT</c>, <c>--http none</c>,
/// or by default 127.0.0.1 at the node's client port + 1000 (client port 7000 → http://127.0.0.1:8000/).
/// </summary>
public sealed record HttpBinding(IPEndPoint? EndPoint)
{
    public const int PortOffset = 1000;

    public static readonly HttpBinding None = new((IPEndPoint?)null);

    public bool Enabled => EndPoint is not null;

    /// <summary>Actions (stop, transfer leadership, writes) are served only when the listener is on loopback.</summary>
    public bool IsLoopback => EndPoint is { } ep && IPAddress.IsLoopback(ep.Address);

    /// <summary>Parses the <c>--http</c> value; <paramref name="clientAddress"/> (this node's host:port) gives the default.</summary>
    /// <exception cref="FormatException">The value is not none, HOST:PORT or a port.</exception>
    public static HttpBinding Parse(string? value, string clientAddress)
    {
        if (value is null)
        {
            var clientPort = int.Parse(clientAddress[(clientAddress.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var port = clientPort + PortOffset;
            if (port > IPEndPoint.MaxPort)
                throw new FormatException($"the default HTTP port (client port {clientPort} + {PortOffset}) is above {IPEndPoint.MaxPort}; choose one with --http HOST:PORT or turn HTTP off with --http none");
            return new HttpBinding(new IPEndPoint(IPAddress.Loopback, port));
        }
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase)) return None;

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p > IPEndPoint.MaxPort)
            throw new FormatException($"--http '{value}' is not HOST:PORT (for example 127.0.0.1:8000) or 'none'");
        var host = value[..colon].Trim('[', ']');
        IPAddress address;
        if (host is "*" or "0.0.0.0") address = IPAddress.Any;
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host, out address!))
            throw new FormatException($"--http '{value}': '{host}' is not an IP address (use 127.0.0.1, 0.0.0.0 or an address of this machine)");
        return new HttpBinding(new IPEndPoint(address, p));
    }
}
