using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Ctl.Terminal;
using Spectre.Console;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>member list|add|promote|remove</c>: runtime membership, one server at a time (a new node joins as a
/// learner, catches up, then is promoted to voter). Each subcommand exits 0 once the change is applied.
/// </summary>
internal static class MemberCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("member", "List, add, promote or remove cluster members (one change at a time; new members join as learners)");
        command.Subcommands.Add(List(cli));
        command.Subcommands.Add(Add(cli));
        command.Subcommands.Add(Promote(cli));
        command.Subcommands.Add(Remove(cli));
        return command;
    }

    private static Argument<int> IdArgument(string description) => new("ID") { Description = description };

    private static Command List(Cli cli)
    {
        var command = new Command("list", "One row per member: id, address, voter or learner, reachable, replicated index and lag, leader");
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Client.MemberListAsync(cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            var members = response.Members ?? [];
            if (context.Json)
            {
                context.WriteJson(writer => JsonSerializer.Serialize(writer, members, MemberJsonContext.Default.MemberViewArray));
                return ExitCodes.Success;
            }
            var table = Consoles.Table(context.Output, "ID", "ADDRESS", "ROLE", "REACHABLE", "MATCH", "LAG", "LEADER");
            foreach (var m in members)
            {
                table.AddRow(new[]
                {
                    Number(m.Id),
                    m.Address ?? "-",
                    m.Role,
                    m.Reachable is bool r ? (r ? "yes" : "no") : "-",
                    m.Match is long match ? Number(match) : "-",
                    m.Lag is long lag ? Number(lag) : "-",
                    m.IsLeader ? "*" : "",
                }.Select(Markup.Escape).ToArray());
            }
            Consoles.Write(context.Output, table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Add(Cli cli)
    {
        var id = IdArgument("The new member's node id (any id not in use, e.g. the next free number)");
        var address = new Argument<string>("HOST:PORT") { Description = "Where the new member listens (its --address); IPv6 in brackets: [2001:db8::1]:7000" };
        var command = new Command("add", "Add a learner: it receives the log but does not vote. Start it with: raftnode ID --address HOST:PORT --join <a member>");
        command.Arguments.Add(id);
        command.Arguments.Add(address);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var nodeId = RequireId(context.Get(id));
            var where = context.Get(address) ?? "";
            if (!ServerList.TrySplitHostPort(where, out _, out _, out var reason))
                throw new UsageException($"'{where}' is not a valid host:port ({reason})");
            var response = await context.Client.MemberAddAsync(nodeId, where, cancellationToken).ConfigureAwait(false);
            return Done(context, "add", nodeId, response, $"node {nodeId} added as a learner at {where}; start it with --join, then: raftctl member promote {nodeId}");
        });
        return command;
    }

    private static Command Promote(Cli cli)
    {
        var id = IdArgument("The learner to make a voter");
        var command = new Command("promote",
            $"Make a learner a voter once it has caught up (at most {MemberView.MaxPromoteLag} entries behind the leader); waits up to --timeout, then exits 3");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var nodeId = RequireId(context.Get(id));
            ClientResponse response;
            try
            {
                response = await context.Client.MemberPromoteAsync(nodeId, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterUnavailableException e)
            {
                var reason = e.InnerException?.Message ?? e.Message;
                context.Error.WriteLine($"error: node {nodeId} was not promoted within {context.Timeout.TotalSeconds:0.#}s: {reason}");
                return ExitCodes.Unavailable;
            }
            return Done(context, "promote", nodeId, response, $"node {nodeId} is now a voter");
        });
        return command;
    }

    private static Command Remove(Cli cli)
    {
        var id = IdArgument("The member to remove (voter or learner; removing the leader moves leadership first)");
        var command = new Command("remove", "Remove a member; it stops taking part (and says so in its log). Exit 1 if it is not a member");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var nodeId = RequireId(context.Get(id));
            var response = await context.Client.MemberRemoveAsync(nodeId, cancellationToken).ConfigureAwait(false);
            if (response.Status == ClientStatus.NotFound)
            {
                if (context.Json) WriteResult(context, "remove", nodeId, response);
                context.Error.WriteLine($"error: {response.Error ?? $"node {nodeId} is not a member"}");
                return ExitCodes.NotFound;
            }
            return Done(context, "remove", nodeId, response, $"node {nodeId} removed; stop its process (its data directory can be deleted)");
        });
        return command;
    }

    private static int Done(CommandContext context, string op, int nodeId, ClientResponse response, string message)
    {
        if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
        if (context.Json) WriteResult(context, op, nodeId, response);
        else context.Output.WriteLine(message);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The stable JSON result of a membership change: <c>{"op":"add","nodeId":3,"ok":true,"index":57,"leaderId":0,"members":[…]}</c>
    /// (<c>index</c> and <c>members</c> null when the change had already taken effect or was refused).
    /// </summary>
    internal static void WriteResult(CommandContext context, string op, int nodeId, ClientResponse response) => context.WriteJson(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("op", op);
        writer.WriteNumber("nodeId", nodeId);
        writer.WriteBoolean("ok", response.Status == ClientStatus.Ok);
        if (response.Index is long index) writer.WriteNumber("index", index);
        else writer.WriteNull("index");
        if (response.LeaderId is int leader) writer.WriteNumber("leaderId", leader);
        else writer.WriteNull("leaderId");
        writer.WritePropertyName("members");
        if (response.Members is { } members) JsonSerializer.Serialize(writer, members, MemberJsonContext.Default.MemberViewArray);
        else writer.WriteNullValue();
        writer.WriteEndObject();
    });

    internal static int RequireId(int id) =>
        id >= 0 ? id : throw new UsageException($"a node id is a number >= 0, not {id.ToString(CultureInfo.InvariantCulture)}");

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
