using System.CommandLine;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>delete KEY</c>: removes a key; exit code 1 when it did not exist.</summary>
internal static class DeleteCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string>("KEY") { Description = "The key to remove" };
        var command = new Command("delete", "Remove KEY; exits with 1 if it did not exist");
        command.Aliases.Add("del");
        command.Arguments.Add(key);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = KeyArguments.Validate(context.Get(key));
            var response = await context.Client.DeleteAsync(k, cancellationToken).ConfigureAwait(false);
            if (response.Status is not (ClientStatus.Ok or ClientStatus.NotFound)) return context.Unexpected(response);
            if (context.Json) context.WriteWriteResult("delete", k, response);
            if (response.Status == ClientStatus.NotFound)
            {
                context.Error.WriteLine($"key not found: {k}");
                return ExitCodes.NotFound;
            }
            if (!context.Json) context.Output.WriteLine("OK");
            return ExitCodes.Success;
        });
        return command;
    }
}
