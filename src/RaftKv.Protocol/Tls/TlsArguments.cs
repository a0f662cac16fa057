namespace RaftKv.Protocol.Tls;

/// <summary>The --tls-cert, --tls-key and --tls-ca options shared by raftnode and raftctl: all three, or none (plain TCP).</summary>
public static class TlsArguments
{
    /// <summary>Null when none is given; throws <see cref="ArgumentException"/> when only some are, <see cref="FormatException"/> when a file is bad.</summary>
    public static ClusterTls? Load(string? certificate, string? key, string? ca)
    {
        if (certificate is null && key is null && ca is null) return null;
        if (certificate is null || key is null || ca is null)
        {
            var missing = new[] { ("--tls-cert", certificate), ("--tls-key", key), ("--tls-ca", ca) }.Where(o => o.Item2 is null).Select(o => o.Item1);
            throw new ArgumentException($"TLS needs --tls-cert, --tls-key and --tls-ca together; missing {string.Join(" and ", missing)}");
        }
        return ClusterTls.Load(certificate, key, ca);
    }
}
