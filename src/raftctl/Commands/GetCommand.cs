using System.CommandLine;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>get [KEY] [--stale]</c>: prints a value as JSON, or every key and value as one JSON object.</summary>
internal static class GetCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string?>("KEY") { Description = "The key to read; without it, every key", Arity = ArgumentArity.ZeroOrOne };
        var stale = new Option<bool>("--stale")
        {
            Description = "Let any node answer from its own state without confirming leadership (faster, may miss recent writes)",
        };
        var raw = new Option<bool>("--raw") { Description = "Print a string value as its text, without quotes or escapes (other values as JSON)" };
        var command = new Command("get", "Print the value of KEY as JSON (exit code 1 if missing), or every key and value as one JSON object");
        command.Arguments.Add(key);
        command.Options.Add(stale);
        command.Options.Add(raw);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = context.Get(key);
            var isStale = context.Get(stale);
            if (k is null) return await GetAllAsync(context, isStale, cancellationToken).ConfigureAwait(false);

            KeyArguments.Validate(k);
            var response = await context.Client.GetAsync(k, isStale, cancellationToken).ConfigureAwait(false);
            if (response.Status is not (ClientStatus.Ok or ClientStatus.NotFound)) return context.Unexpected(response);
            var found = response.Status == ClientStatus.Ok;
            if (context.Json)
            {
                context.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", k);
                    writer.WriteBoolean("found", found);
                    writer.WritePropertyName("value");
                    if (found && response.Value is { } value) value.WriteTo(writer);
                    else writer.WriteNullValue();
                    writer.WriteEndObject();
                });
            }
            else if (found)
            {
                if (response.Value is { ValueKind: System.Text.Json.JsonValueKind.String } text && context.Get(raw)) context.Output.WriteLine(text.GetString());
                else if (response.Value is { } value) context.WriteJson(value);
                else context.Output.WriteLine("null");
            }
            if (found) return ExitCodes.Success;
            context.Error.WriteLine($"key not found: {k}");
            return ExitCodes.NotFound;
        });
        return command;
    }

    private static async Task<int> GetAllAsync(CommandContext context, bool stale, CancellationToken cancellationToken)
    {
        var response = await context.Client.GetAllAsync(stale, cancellationToken).ConfigureAwait(false);
        if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
        context.WriteJson(writer => JsonOutput.WriteObject(writer, response.Values));
        return ExitCodes.Success;
    }
}
