using System.CommandLine;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>delete KEY [--if-...]</c> removes a key (exit code 1 when it did not exist, 4 when a condition fails);
/// <c>delete --prefix P</c> removes every key starting with P and prints how many.
/// </summary>
internal static class DeleteCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string?>("KEY") { Description = "The key to remove; needed unless --prefix P is given", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Option<string?>("--prefix")
        {
            Description = "Remove every key starting with P (\"\" is every key) and print how many were removed",
            HelpName = "P",
        };
        var guards = new WriteGuardOptions();
        var command = new Command("delete", "Remove KEY (exit code 1 if it did not exist, 4 if an --if-... condition fails), or every key with --prefix P");
        command.Aliases.Add("del");
        Usage.UsageShapes.Declare(command, "(KEY | --prefix P)");
        command.Arguments.Add(key);
        command.Options.Add(prefix);
        guards.AddTo(command);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var p = context.Get(prefix);
            var k = context.Get(key);
            if (p is not null)
            {
                if (k is not null) throw new UsageException("give KEY or --prefix P, not both");
                var options = guards.Read(context, null);
                if (options.IfAbsent || options.IfVersion is not null || options.IfModRevision is not null || options.IfValue is not null)
                    throw new UsageException("the --if-... conditions apply to one KEY, not to --prefix");
                var removed = await context.Client.DeletePrefixAsync(p, cancellationToken).ConfigureAwait(false);
                if (removed.Status is not (ClientStatus.Ok or ClientStatus.NotFound)) return context.Unexpected(removed);
                if (context.Json) context.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("prefix", p);
                    w.WriteNumber("deleted", removed.Deleted ?? 0);
                    if (removed.Revision is { } r) w.WriteNumber("revision", r);
                    w.WriteEndObject();
                });
                else context.Output.WriteLine(removed.Deleted ?? 0);
                return ExitCodes.Success;
            }

            if (k is null) throw new UsageException("delete needs KEY or --prefix P");
            k = KeyArguments.Validate(k);
            var response = await context.Client.DeleteAsync(k, guards.Read(context, null), cancellationToken).ConfigureAwait(false);
            if (response.Status == ClientStatus.ConditionFailed) return WriteGuardOptions.ConditionFailed(context, k, response);
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
