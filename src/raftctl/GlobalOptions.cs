using System.CommandLine;

namespace RaftKv.Ctl;

/// <summary>Options every command accepts, before or after the command name.</summary>
internal sealed class GlobalOptions
{
    public const string DefaultServersFile = "servers.txt";
    public const double DefaultTimeoutSeconds = 10;

    public Option<string> Servers { get; } = new("--servers")
    {
        Description = "The servers file: one host:port per line, the node id is the line's index among the address lines",
        HelpName = "FILE",
        DefaultValueFactory = _ => DefaultServersFile,
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to keep trying (finding a leader, retrying) before giving up with exit code 3",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON instead of text",
        Recursive = true,
    };

    public Option<string?> TlsCert { get; } = new("--tls-cert")
    {
        Description = "Mutual TLS: raftctl's certificate (PEM), signed by the cluster CA (raftctl make-certs makes one). Needs --tls-key and --tls-ca",
        HelpName = "FILE",
        Recursive = true,
    };

    public Option<string?> TlsKey { get; } = new("--tls-key") { Description = "Mutual TLS: the private key (PEM) of --tls-cert", HelpName = "FILE", Recursive = true };

    public Option<string?> TlsCa { get; } = new("--tls-ca") { Description = "Mutual TLS: the cluster CA certificate (PEM) the nodes must present", HelpName = "FILE", Recursive = true };

    public void AddTo(Command command)
    {
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsCa);
        command.Options.Add(Servers);
        command.Options.Add(Timeout);
        command.Options.Add(Json);
    }
}
