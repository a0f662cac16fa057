using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaftKv.Protocol;

/// <summary>
/// The cluster members from <c>servers.txt</c>, shared by <c>raftnode</c> and <c>raftctl</c>.
/// </summary>
/// <remarks>
/// File format: one <c>host:port</c> per line. <c>#</c> starts a comment that runs to the end of the
/// line; blank and comment-only lines are ignored. The node id of an address is its index among
/// the address lines only (from 0), so a header comment does not shift the ids: in
/// <code>
/// # my cluster
/// 127.0.0.1:7000   # node 0
///
/// 127.0.0.1:7001   # node 1
/// </code>
/// the first address is node 0 and the second node 1. Hosts are IPv4 literals
/// (<c>127.0.0.1</c>), IPv6 literals in brackets (<c>[::1]:7000</c>) or DNS names
/// (<c>localhost</c>, <c>node-a.example</c>); ports are 1..65535. Duplicate addresses are refused,
/// because two ids on one address would make a node vote for itself twice.
/// </remarks>
public sealed record ServerList(IReadOnlyList<string> Addresses)
{
    /// <summary>Number of members.</summary>
    public int Count => Addresses.Count;

    /// <summary>The address of node <paramref name="id"/>.</summary>
    public string this[int id] => Addresses[id];

    /// <summary>Reads and validates a servers file. Throws <see cref="FormatException"/> naming the file and line on bad content, <see cref="IOException"/> when it cannot be read.</summary>
    public static ServerList Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot read the servers file: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>
    /// Parses servers-file text. <paramref name="source"/> names it in errors (usually the path).
    /// Throws <see cref="FormatException"/> with "source:line: reason" (1-based line numbers, as editors show them).
    /// </summary>
    public static ServerList Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var addresses = new List<string>();
        var seenOnLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;

            if (line.AsSpan().IndexOfAny(" \t") >= 0)
                throw new FormatException($"{source}:{lineNumber}: expected one host:port per line, found '{line}'");
            if (!TrySplitHostPort(line, out _, out _, out var reason))
                throw new FormatException($"{source}:{lineNumber}: '{line}' is not a valid host:port ({reason})");
            if (seenOnLine.TryGetValue(line, out var firstLine))
                throw new FormatException($"{source}:{lineNumber}: '{line}' is already listed on line {firstLine}");

            seenOnLine[line] = lineNumber;
            addresses.Add(line);
        }
        if (addresses.Count == 0)
            throw new FormatException($"{source}: no servers listed (expected one host:port per line)");
        return new ServerList(addresses);
    }

    /// <summary>
    /// Splits <c>host:port</c> (IPv6 literals in brackets: <c>[::1]:7000</c>). Returns false with a
    /// human-readable <paramref name="reason"/> when the text is not a valid address.
    /// </summary>
    public static bool TrySplitHostPort(string address, out string host, out int port, out string reason)
    {
        host = "";
        port = 0;
        reason = "";
        if (string.IsNullOrWhiteSpace(address))
        {
            reason = "empty address";
            return false;
        }

        string hostPart;
        string portPart;
        if (address.StartsWith('['))
        {
            var close = address.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= address.Length || address[close + 1] != ':')
            {
                reason = "an IPv6 address must be written as [address]:port";
                return false;
            }
            hostPart = address[1..close];
            portPart = address[(close + 2)..];
            if (!IPAddress.TryParse(hostPart, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                reason = $"'{hostPart}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = address.LastIndexOf(':');
            if (colon < 0)
            {
                reason = "missing ':port'";
                return false;
            }
            hostPart = address[..colon];
            portPart = address[(colon + 1)..];
            if (hostPart.Contains(':', StringComparison.Ordinal))
            {
                reason = "an IPv6 address must be written in brackets, as [address]:port";
                return false;
            }
            if (hostPart.Length == 0)
            {
                reason = "missing host";
                return false;
            }
            if (!IsValidHostName(hostPart))
            {
                reason = $"'{hostPart}' is not an IPv4 address or a host name";
                return false;
            }
        }

        if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            reason = $"port '{portPart}' is not a number from 1 to 65535";
            port = 0;
            return false;
        }
        host = hostPart;
        return true;
    }

    /// <summary>
    /// Resolves <c>host:port</c> without DNS when possible: IP literals as written, <c>localhost</c> as
    /// 127.0.0.1 (one fixed choice, so a node binding "localhost" and a client dialling it agree).
    /// Other names go through DNS, preferring an IPv4 address. Throws <see cref="FormatException"/>
    /// for a malformed address, <see cref="SocketException"/> when a name does not resolve.
    /// </summary>
    public static IPEndPoint ResolveEndPoint(string address)
    {
        var (host, port) = SplitOrThrow(address);
        if (TryResolveWithoutDns(host, port, out var endPoint)) return endPoint;
        return Pick(Dns.GetHostAddresses(host), host, port);
    }

    /// <summary>Like <see cref="ResolveEndPoint"/>, asynchronously.</summary>
    public static async Task<IPEndPoint> ResolveEndPointAsync(string address, CancellationToken cancellationToken)
    {
        var (host, port) = SplitOrThrow(address);
        if (TryResolveWithoutDns(host, port, out var endPoint)) return endPoint;
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return Pick(addresses, host, port);
    }

    private static (string Host, int Port) SplitOrThrow(string address)
    {
        if (!TrySplitHostPort(address, out var host, out var port, out var reason))
            throw new FormatException($"'{address}' is not a valid host:port ({reason})");
        return (host, port);
    }

    private static bool TryResolveWithoutDns(string host, int port, out IPEndPoint endPoint)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            endPoint = new IPEndPoint(ip, port);
            return true;
        }
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }
        endPoint = null!;
        return false;
    }

    private static IPEndPoint Pick(IPAddress[] addresses, string host, int port)
    {
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound, $"host '{host}' has no addresses");
        var ip = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
        return new IPEndPoint(ip, port);
    }

    // RFC 1123 host names; IPv4 literals pass too because digits and dots are valid label characters.
    private static bool IsValidHostName(string host)
    {
        if (host.Length > 253) return false;
        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63) return false;
            if (label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
            }
        }
        // "300.1.1.1" or "1.2.3" look like broken IPv4 rather than names: refuse all-numeric hosts that do not parse.
        var allNumeric = host.All(c => char.IsAsciiDigit(c) || c == '.');
        return !allNumeric || (IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && host.Count(c => c == '.') == 3);
    }
}
