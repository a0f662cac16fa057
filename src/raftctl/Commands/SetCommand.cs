using System.CommandLine;
using System.Text;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>set KEY VALUE [--lease ID] [--if-absent | --if-version N | --if-mod-revision R | --if-value JSON]</c>:
/// stores VALUE, read as JSON when it is valid JSON and as a string otherwise; exit code 4 when a condition fails.
/// </summary>
internal static class SetCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string>("KEY") { Description = "The key (any non-empty string)" };
        var value = new Argument<string>("VALUE")
        {
            Description = "The value: JSON when it parses as JSON (42, true, {\"a\":1}, \"quoted\"), otherwise stored as a string; at most 1 MiB",
        };
        var lease = new Option<long?>("--lease")
        {
            Description = "Attach KEY to lease ID (from lease grant): KEY is deleted when the lease expires or is revoked",
            HelpName = "ID",
        };
        var guards = new WriteGuardOptions();
        var command = new Command("set", "Store VALUE under KEY; prints OK once the cluster has committed it (exit code 4 if an --if-... condition fails)");
        command.Arguments.Add(key);
        command.Arguments.Add(value);
        command.Options.Add(lease);
        guards.AddTo(command);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = KeyArguments.Validate(context.Get(key));
            var v = ValueParser.Parse(context.Get(value) ?? "");
            var bytes = Encoding.UTF8.GetByteCount(v.GetRawText());
            if (bytes > ClientLimits.MaxValueBytes)
                throw new UsageException($"VALUE is {bytes} bytes of JSON, over the limit of {ClientLimits.MaxValueBytes} (1 MiB)");
            if (context.Get(lease) is <= 0) throw new UsageException("--lease takes a lease id (> 0) from lease grant");
            var options = guards.Read(context, context.Get(lease));

            var response = await context.Client.SetAsync(k, v, options, cancellationToken).ConfigureAwait(false);
            if (response.Status == ClientStatus.ConditionFailed) return WriteGuardOptions.ConditionFailed(context, k, response);
            if (response.Status == ClientStatus.NotFound && options.Lease is { } id)
            {
                context.Error.WriteLine($"error: {response.Error ?? $"lease {id} not found"}");
                return ExitCodes.NotFound;
            }
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            if (context.Json) context.WriteResponse(response);
            else context.Output.WriteLine("OK");
            return ExitCodes.Success;
        });
        return command;
    }
}
