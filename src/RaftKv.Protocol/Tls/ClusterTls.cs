using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RaftKv.Protocol.Tls;

/// <summary>
/// Mutual TLS for a cluster: this process's certificate (with its private key) and the cluster's CA. Both sides of
/// every connection, peer or client, present a certificate, and each accepts only a certificate that chains to the
/// cluster CA (the system's trust store plays no part). Host names are not checked: membership of the cluster is
/// proven by the CA's signature, so a certificate can be issued before its machine's address is known.
/// </summary>
public sealed class ClusterTls
{
    private readonly X509Certificate2 _ca;

    public ClusterTls(X509Certificate2 certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(ca);
        if (!certificate.HasPrivateKey) throw new ArgumentException("the certificate has no private key", nameof(certificate));
        Certificate = certificate;
        _ca = ca;
        if (!IsSignedByCa(certificate, out var why))
            throw new ArgumentException($"the certificate '{certificate.Subject}' is not signed by the CA '{ca.Subject}': {why}", nameof(certificate));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Loads PEM files: the certificate, its private key, and the CA certificate. Throws <see cref="FormatException"/>
    /// naming the file that could not be read or parsed, or the mismatch.
    /// </summary>
    public static ClusterTls Load(string certificatePath, string keyPath, string caPath)
    {
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // An ephemeral PEM key cannot be used by SslStream's server side on every platform; a PKCS#12 round trip can.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new FormatException($"cannot load the TLS certificate {certificatePath} with key {keyPath}: {e.Message}", e);
        }
        X509Certificate2 ca;
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"cannot load the CA certificate {caPath}: {e.Message}", e);
        }
        try
        {
            return new ClusterTls(certificate, ca);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{certificatePath}: {e.Message}", e);
        }
    }

    /// <summary>For a server: present our certificate and require the remote's.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = Validate,
    };

    /// <summary>For a caller dialling <paramref name="host"/>: present our certificate and check the server's.</summary>
    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = host,
        ClientCertificates = [Certificate],
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = Validate,
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        using var remote = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return IsSignedByCa(remote, out _);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to the cluster CA, with only that CA trusted.</summary>
    public bool IsSignedByCa(X509Certificate2 certificate, out string why)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (chain.Build(certificate))
        {
            why = "";
            return true;
        }
        why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (why.Length == 0) why = "it does not chain to the cluster CA";
        return false;
    }

    /// <summary>Wraps a connected socket's stream as the dialling side; throws <see cref="AuthenticationException"/> on refusal.</summary>
    public async Task<SslStream> AuthenticateAsClientAsync(Stream stream, string host, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(ClientOptions(host), cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Wraps an accepted socket's stream as the server side; throws <see cref="AuthenticationException"/> on refusal.</summary>
    public async Task<SslStream> AuthenticateAsServerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(ServerOptions(), cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
