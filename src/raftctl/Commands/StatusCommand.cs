using System.CommandLine;
using System.Globalization;
using RaftKv.Client;
using RaftKv.Ctl.Terminal;
using RaftKv.Protocol;
using Spectre.Console;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>status [--watch]</c>: asks every node in the servers file, at once, for its own view; one row per node.
/// With --watch the table is redrawn in place (Spectre.Console live display) until Ctrl+C.
/// </summary>
internal static class StatusCommand
{
    private static readonly string[] Headers = ["ID", "ADDRESS", "REACHABLE", "ROLE", "TERM", "LAST", "COMMIT", "APPLIED", "LEADER", "SNAPSHOT", "DISK"];

    public static Command Create(Cli cli)
    {
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep the table on screen and refresh it until Ctrl+C" };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes with --watch", HelpName = "SECONDS", DefaultValueFactory = _ => 0.5 };
        var count = new Option<int?>("--count") { Description = "With --watch, stop after N refreshes (for scripts)", HelpName = "N" };
        var command = new Command("status", "Ask every node (servers.txt and every member the nodes report) for its role, term, log indexes and leader (unreachable nodes are shown too)");
        command.Options.Add(watch);
        command.Options.Add(interval);
        command.Options.Add(count);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var seconds = context.Get(interval);
            if (!double.IsFinite(seconds) || seconds < 0.05 || seconds > 3600) throw new UsageException($"--interval must be between 0.05 and 3600 seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
            if (context.Get(count) is < 1) throw new UsageException("--count must be at least 1");
            if (context.Get(watch)) return await WatchAsync(context, TimeSpan.FromSeconds(seconds), context.Get(count), cancellationToken).ConfigureAwait(false);

            var answers = await AskAllAsync(context, cancellationToken).ConfigureAwait(false);
            if (context.Json) WriteJson(context, answers);
            else Consoles.Write(context.Output, BuildTable(context, answers));

            if (answers.Any(a => a.Node is not null)) return ExitCodes.Success;
            context.Error.WriteLine($"error: no node answered: tried {string.Join(", ", context.Servers.Addresses)} from {context.ServersFile}");
            context.Error.WriteLine($"hint: start the cluster first (raftnode 0, raftnode 1, ... one per line of {context.ServersFile}), or point --servers at the cluster's servers file");
            return ExitCodes.Unavailable;
        });
        return command;
    }

    private static async Task<int> WatchAsync(CommandContext context, TimeSpan interval, int? count, CancellationToken cancellationToken)
    {
        var console = Consoles.For(context.Output);
        var refreshes = 0;
        try
        {
            if (Consoles.IsTerminal(context.Output) && !context.Json)
            {
                var answers = await AskAllAsync(context, cancellationToken).ConfigureAwait(false);
                await console.Live(Watched(context, answers)).StartAsync(async live =>
                {
                    while (++refreshes != count)
                    {
                        await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                        live.UpdateTarget(Watched(context, await AskAllAsync(context, cancellationToken).ConfigureAwait(false)));
                    }
                }).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            // Not a terminal: one table (or JSON array) per refresh, each after a time line, so a log reads as a history.
            while (true)
            {
                var answers = await AskAllAsync(context, cancellationToken).ConfigureAwait(false);
                if (context.Json) WriteJson(context, answers);
                else
                {
                    context.Output.WriteLine(DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture));
                    Consoles.Write(context.Output, BuildTable(context, answers));
                }
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (++refreshes == count) return ExitCodes.Success;
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && context.Unreachable is null)
        {
            return ExitCodes.Success; // Ctrl+C is how a watch ends
        }
    }

    private static Rows Watched(CommandContext context, Answer[] answers)
    {
        var leader = answers.Select(a => a.Node).Where(a => a?.Role == "leader").OrderByDescending(a => a!.Term).FirstOrDefault();
        var headline = leader is null
            ? "[red]no leader[/]"
            : $"leader: [green]node {leader.Id}[/] in term {leader.Term}, commit {leader.CommitIndex}";
        return new Rows(
            new Markup($"{headline}   [grey]{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}, Ctrl+C to stop[/]"),
            BuildTable(context, answers));
    }

    private static Table BuildTable(CommandContext context, Answer[] answers)
    {
        var table = Consoles.Table(context.Output, Headers);
        var terminal = Consoles.IsTerminal(context.Output);
        foreach (var (id, address, node) in answers)
        {
            string[] cells =
            [
                Number(id),
                address,
                node is null ? "no" : "yes",
                node?.Role ?? "-",
                node is null ? "-" : Number(node.Term),
                node is null ? "-" : Number(node.LastIndex),
                node is null ? "-" : Number(node.CommitIndex),
                node is null ? "-" : Number(node.AppliedIndex),
                node?.LeaderId is int leader ? Number(leader) : "-",
                node is null ? "-" : Number(node.SnapshotIndex),
                node?.DiskBytes is long bytes ? Size(bytes) : "-",
            ];
            var style = !terminal ? null : node is null ? "red" : node.Role == "leader" ? "green bold" : node.Role is "candidate" or "precandidate" ? "yellow" : null;
            table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Markup(style is null ? Markup.Escape(c) : $"[{style}]{Markup.Escape(c)}[/]")).ToArray());
        }
        return table;
    }

    private static void WriteJson(CommandContext context, Answer[] answers)
    {
        context.WriteJson(writer =>
        {
            writer.WriteStartArray();
            foreach (var (id, address, node) in answers)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", id);
                writer.WriteString("address", address);
                writer.WriteBoolean("reachable", node is not null);
                if (node is null)
                {
                    foreach (var name in new[] { "role", "term", "lastIndex", "commitIndex", "appliedIndex", "leaderId", "snapshotIndex", "diskBytes" }) writer.WriteNull(name);
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
                    writer.WriteNumber("snapshotIndex", node.SnapshotIndex);
                    if (node.DiskBytes is long bytes) writer.WriteNumber("diskBytes", bytes);
                    else writer.WriteNull("diskBytes");
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
    }

    /// <summary>Bytes in binary units with one decimal: 512 B, 4.0 KiB, 1.5 GiB.</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>One row: a node, the address it was asked at, and its status (null: it did not answer).</summary>
    private readonly record struct Answer(int Id, string Address, NodeStatus? Node);

    /// <summary>
    /// Every node of the servers file, then every member the answers name that the file does not list (the file may
    /// be older than the membership: one node that answers is enough to find the rest).
    /// </summary>
    private static async Task<Answer[]> AskAllAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = context.Client;
        var ids = Enumerable.Range(0, context.Servers.Count).ToList();
        var nodes = (await Task.WhenAll(ids.Select(id => AskAsync(client, id, cancellationToken))).ConfigureAwait(false)).ToList();
        var extra = nodes.OfType<NodeStatus>().SelectMany(n => n.Members).Select(m => m.Id).Distinct().Where(id => !ids.Contains(id)).Order().ToList();
        nodes.AddRange(await Task.WhenAll(extra.Select(id => AskAsync(client, id, cancellationToken))).ConfigureAwait(false));
        ids.AddRange(extra);
        var known = client.KnownNodes;
        return [.. ids.Select((id, i) => new Answer(id, known.GetValueOrDefault(id) ?? context.Servers[id], nodes[i]))];
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
