using System.CommandLine;
using System.Globalization;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>status</c>: asks every node in the servers file, at once, for its own view; one row per node.</summary>
internal static class StatusCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("status", "Ask every node (servers.txt and every member the nodes report) for its role, term, log indexes and leader (unreachable nodes are shown too)");
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var servers = context.Servers;
            var client = context.Client;
            var ids = Enumerable.Range(0, servers.Count).ToList();
            var answers = (await Task.WhenAll(ids.Select(id => AskAsync(client, id, cancellationToken))).ConfigureAwait(false)).ToList();
            // servers.txt may be older than the membership: members it does not list are found in the answers.
            var extra = answers.OfType<NodeStatus>().SelectMany(n => n.Members).Select(m => m.Id).Distinct().Where(id => !ids.Contains(id)).Order().ToList();
            answers.AddRange(await Task.WhenAll(extra.Select(id => AskAsync(client, id, cancellationToken))).ConfigureAwait(false));
            ids.AddRange(extra);
            var known = client.KnownNodes;

            if (context.Json)
            {
                context.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    for (var i = 0; i < ids.Count; i++)
                    {
                        var id = ids[i];
                        var node = answers[i];
                        writer.WriteStartObject();
                        writer.WriteNumber("id", id);
                        writer.WriteString("address", known.GetValueOrDefault(id) ?? servers[id]);
                        writer.WriteBoolean("reachable", node is not null);
                        if (node is null)
                        {
                            foreach (var name in new[] { "role", "term", "lastIndex", "commitIndex", "appliedIndex", "leaderId" }) writer.WriteNull(name);
                        }
                        else
                        {
                            writer.WriteString("role", node.Role);
                            writer.WriteNumber("term", node.Term);
                            writer.WriteNumber("lastIndex", node.LastIndex);
                            writer.WriteNumber("commitIndex", node.CommitIndex);
                            writer.WriteNumber("appliedIndex", node.AppliedIndex);
                            if (node.LeaderId is int leader) writer.WriteNumber("leaderId", leader);
                            else writer.WriteNull("leaderId");
                        }
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                });
            }
            else
            {
                var table = new TextTable("ID", "ADDRESS", "REACHABLE", "ROLE", "TERM", "LAST", "COMMIT", "APPLIED", "LEADER");
                for (var i = 0; i < ids.Count; i++)
                {
                    var id = ids[i];
                    var node = answers[i];
                    table.Add(
                        Number(id),
                        known.GetValueOrDefault(id) ?? servers[id],
                        node is null ? "no" : "yes",
                        node?.Role ?? "-",
                        node is null ? "-" : Number(node.Term),
                        node is null ? "-" : Number(node.LastIndex),
                        node is null ? "-" : Number(node.CommitIndex),
                        node is null ? "-" : Number(node.AppliedIndex),
                        node?.LeaderId is int leader ? Number(leader) : "-");
                }
                context.Output.Write(table.ToString());
            }

            if (answers.Any(a => a is not null)) return ExitCodes.Success;
            context.Error.WriteLine("error: no node answered");
            return ExitCodes.Unavailable;
        });
        return command;
    }

    /// <summary>The node's status, or null when it did not answer (shown as reachable=false, not as a failure of the whole command).</summary>
    private static async Task<NodeStatus?> AskAsync(RaftClient client, int id, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.StatusAsync(id, cancellationToken).ConfigureAwait(false);
            return response.Status == ClientStatus.Ok ? response.Node : null;
        }
        catch (ClusterUnavailableException)
        {
            return null;
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
