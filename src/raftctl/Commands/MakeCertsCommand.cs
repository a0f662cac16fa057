using System.CommandLine;
using System.Globalization;
using RaftKv.Ctl.Certificates;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>make-certs</c>: a new cluster CA plus one certificate per node and one for raftctl, as PEM files, ready for
/// --tls-cert/--tls-key/--tls-ca. With an existing CA in the directory it only issues the certificates asked for
/// (a node added later, say), so the CA key never has to be made twice.
/// </summary>
internal static class MakeCertsCommand
{
    public static Command Create(Cli cli)
    {
        var output = new Option<string>("--out") { Description = "Directory for the PEM files (created if missing)", HelpName = "DIR", DefaultValueFactory = _ => "certs" };
        var nodes = new Option<int>("--nodes") { Description = "Issue node-0 .. node-(N-1) certificates", HelpName = "N", DefaultValueFactory = _ => 3 };
        var first = new Option<int>("--first-id") { Description = "Id of the first node certificate (to issue only a new member's, e.g. --first-id 3 --nodes 1)", HelpName = "ID", DefaultValueFactory = _ => 0 };
        var hosts = new Option<string?>("--hosts")
        {
            Description = "Comma-separated host name or IP of each node, in id order, written into its certificate (localhost and 127.0.0.1 are always included)",
            HelpName = "HOST,HOST,...",
        };
        var days = new Option<int>("--days") { Description = "Validity in days", HelpName = "DAYS", DefaultValueFactory = _ => 3650 };
        var command = new Command("make-certs", "Make a cluster CA and TLS certificates for each node and for raftctl (no openssl needed)")
        {
            output, nodes, first, hosts, days,
        };
        cli.SetAction(command, (context, _) =>
        {
            var dir = context.Get(output) ?? "certs";
            var count = context.Get(nodes);
            var firstId = context.Get(first);
            var validity = TimeSpan.FromDays(context.Get(days));
            if (count < 0 || firstId < 0) throw new UsageException("--nodes and --first-id must not be negative");
            if (validity <= TimeSpan.Zero) throw new UsageException("--days must be positive");
            var hostList = context.Get(hosts)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (hostList.Length > count) throw new UsageException($"--hosts names {hostList.Length} hosts for {count} nodes");

            Directory.CreateDirectory(dir);
            var caPath = Path.Combine(dir, "ca.pem");
            var caKeyPath = Path.Combine(dir, "ca-key.pem");
            System.Security.Cryptography.X509Certificates.X509Certificate2 ca;
            if (File.Exists(caPath))
            {
                ca = CertificateMaker.LoadCa(caPath, caKeyPath);
                context.Output.WriteLine($"using the existing CA {caPath}");
            }
            else
            {
                ca = CertificateMaker.CreateCa("RaftKv cluster CA", validity);
                CertificateMaker.Write(ca, caPath, caKeyPath);
                context.Output.WriteLine($"{caPath}: the cluster CA (give it to every node and client as --tls-ca); keep {caKeyPath} offline");
            }
            using (ca)
            {
                for (var i = 0; i < count; i++)
                {
                    var id = (firstId + i).ToString(CultureInfo.InvariantCulture);
                    var names = new List<string>();
                    if (i < hostList.Length) names.Add(hostList[i]);
                    names.AddRange(["localhost", "127.0.0.1", "::1"]);
                    using var node = CertificateMaker.Issue(ca, $"raftkv node {id}", names, validity);
                    var path = Path.Combine(dir, $"node-{id}.pem");
                    CertificateMaker.Write(node, path, Path.Combine(dir, $"node-{id}-key.pem"));
                    context.Output.WriteLine($"{path}: node {id} ({string.Join(", ", names)})");
                }
                var clientPath = Path.Combine(dir, "client.pem");
                if (!File.Exists(clientPath))
                {
                    using var client = CertificateMaker.Issue(ca, "raftkv client", ["localhost"], validity);
                    CertificateMaker.Write(client, clientPath, Path.Combine(dir, "client-key.pem"));
                    context.Output.WriteLine($"{clientPath}: for raftctl and other clients");
                }
            }
            context.Output.WriteLine($"start a node:  raftnode 0 --tls-cert {dir}/node-0.pem --tls-key {dir}/node-0-key.pem --tls-ca {dir}/ca.pem");
            context.Output.WriteLine($"use raftctl:   raftctl --tls-cert {dir}/client.pem --tls-key {dir}/client-key.pem --tls-ca {dir}/ca.pem status");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
