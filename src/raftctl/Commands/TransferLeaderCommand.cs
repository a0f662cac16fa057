using System.CommandLine;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>transfer-leader ID</c>: hands leadership to a voter (like etcdctl move-leader); exit 0 once it leads.</summary>
internal static class TransferLeaderCommand
{
    public static Command Create(Cli cli)
    {
        var id = new Argument<int>("ID") { Description = "The voter that should lead" };
        var command = new Command("transfer-leader", "Hand leadership to voter ID: the leader catches it up, then it campaigns at once (exit 0 once it leads)");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var nodeId = MemberCommand.RequireId(context.Get(id));
            var response = await context.Client.TransferLeaderAsync(nodeId, cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            if (context.Json) MemberCommand.WriteResult(context, "transfer-leader", nodeId, response);
            else context.Output.WriteLine($"node {nodeId} is the leader");
            return ExitCodes.Success;
        });
        return command;
    }
}
