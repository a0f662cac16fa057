using System.CommandLine;
using System.Globalization;
using RaftKv.Ctl.Terminal;
using Spectre.Console;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>show-log [--node ID] [--from N] [--limit N]</c>: a table of log entries (index, term, type, command).</summary>
internal static class ShowLogCommand
{
    public static Command Create(Cli cli)
    {
        var node = new Option<int?>("--node") { Description = "Ask this node (its id in the servers file) instead of the leader", HelpName = "ID" };
        var from = new Option<long?>("--from") { Description = "First log index to show (default: the first in the log)", HelpName = "N" };
        var limit = new Option<int?>("--limit") { Description = "Show at most N entries", HelpName = "N" };
        var command = new Command("show-log", "Print log entries: index, term, type and command of each");
        command.Aliases.Add("show_log");
        command.Options.Add(node);
        command.Options.Add(from);
        command.Options.Add(limit);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var nodeId = context.Get(node);
            var first = context.Get(from);
            var most = context.Get(limit);
            if (first is < 0) throw new UsageException($"--from must be 0 or more, not {first}");
            if (most is < 1) throw new UsageException($"--limit must be 1 or more, not {most}");
            if (nodeId is int id && (id < 0 || id >= context.Servers.Count))
                throw new UsageException($"--node {id}: the servers file lists nodes 0..{context.Servers.Count - 1}");

            var response = await context.Client.LogAsync(nodeId, first, most, cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            var entries = response.Entries ?? [];
            if (context.Json)
            {
                context.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var entry in entries)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("index", entry.Index);
                        writer.WriteNumber("term", entry.Term);
                        writer.WriteString("type", entry.Type);
                        writer.WritePropertyName("command");
                        if (entry.Command is { } c) c.WriteTo(writer);
                        else writer.WriteNullValue();
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                });
                return ExitCodes.Success;
            }

            if (response.CompactedThrough is long compacted && compacted > 0)
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"entries 1..{compacted} are compacted into the node's snapshot; its log starts at {compacted + 1}"));
            var table = Consoles.Table(context.Output, "INDEX", "TERM", "TYPE", "COMMAND");
            foreach (var entry in entries)
            {
                table.AddRow(
                    new Text(entry.Index.ToString(CultureInfo.InvariantCulture)),
                    new Text(entry.Term.ToString(CultureInfo.InvariantCulture)),
                    new Text(entry.Type),
                    new Text(entry.Command is { } c ? JsonOutput.Format(c, indented: false) : "-"));
            }
            Consoles.Write(context.Output, table);
            return ExitCodes.Success;
        });
        return command;
    }
}
