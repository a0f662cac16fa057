using System.CommandLine;
using System.Text;
using RaftKv.Client;

namespace RaftKv.Ctl.Commands;

/// <summary><c>set KEY VALUE</c>: stores VALUE, read as JSON when it is valid JSON and as a string otherwise.</summary>
internal static class SetCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string>("KEY") { Description = "The key (any non-empty string)" };
        var value = new Argument<string>("VALUE")
        {
            Description = "The value: JSON when it parses as JSON (42, true, {\"a\":1}, \"quoted\"), otherwise stored as a string; at most 1 MiB",
        };
        var command = new Command("set", "Store VALUE under KEY; prints OK once the cluster has committed it");
        command.Arguments.Add(key);
        command.Arguments.Add(value);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = KeyArguments.Validate(context.Get(key));
            var v = ValueParser.Parse(context.Get(value) ?? "");
            var bytes = Encoding.UTF8.GetByteCount(v.GetRawText());
            if (bytes > ClientLimits.MaxValueBytes)
                throw new UsageException($"VALUE is {bytes} bytes of JSON, over the limit of {ClientLimits.MaxValueBytes} (1 MiB)");

            var response = await context.Client.SetAsync(k, v, cancellationToken).ConfigureAwait(false);
            if (response.Status != Protocol.ClientStatus.Ok) return context.Unexpected(response);
            if (context.Json) context.WriteResponse(response);
            else context.Output.WriteLine("OK");
            return ExitCodes.Success;
        });
        return command;
    }
}
