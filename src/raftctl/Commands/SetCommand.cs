using System.CommandLine;
using System.Text;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>set KEY VALUE</c>, <c>set KEY -</c> (VALUE from standard input), <c>set KEY --file PATH</c>: stores VALUE, read
/// as JSON when it is valid JSON and as a string otherwise. Shell arguments cap near 128 KB; stdin and files reach
/// the server's 1 MiB. <c>[--lease ID] [--if-absent | --if-version N | --if-mod-revision R | --if-value JSON]</c>:
/// attach to a lease; compare-and-set (exit code 4 when the condition fails).
/// </summary>
internal static class SetCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string>("KEY") { Description = "The key (any non-empty string)" };
        var value = new Argument<string?>("VALUE")
        {
            Description = "The value: JSON when it parses as JSON (42, true, {\"a\":1}, \"quoted\"), otherwise stored as a string; '-' reads it from standard input; needed unless --file gives it; at most 1 MiB",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var file = new Option<string?>("--file") { Description = "Read VALUE from this file instead (the whole file; JSON or text as above)", HelpName = "PATH" };
        var lease = new Option<long?>("--lease")
        {
            Description = "Attach KEY to lease ID (from lease grant): KEY is deleted when the lease expires or is revoked",
            HelpName = "ID",
        };
        var guards = new WriteGuardOptions();
        var command = new Command("set", "Store VALUE under KEY; prints OK once the cluster has committed it (exit code 4 if an --if-... condition fails)");
        command.Aliases.Add("put");
        Usage.UsageShapes.Declare(command, "KEY (VALUE | - | --file PATH)");
        command.Arguments.Add(key);
        command.Arguments.Add(value);
        command.Options.Add(file);
        command.Options.Add(lease);
        guards.AddTo(command);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = KeyArguments.Validate(context.Get(key));
            var text = await ReadValueAsync(context.Get(value), context.Get(file), cli.Input, cancellationToken).ConfigureAwait(false);
            var v = ValueParser.Parse(text);
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
            if (context.Json) context.WriteWriteResult("set", k, response);
            else context.Output.WriteLine("OK");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> ReadValueAsync(string? value, string? file, TextReader input, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            if (value is not null) throw new UsageException("give VALUE or --file, not both");
            try
            {
                var info = new FileInfo(file);
                if (info.Exists && info.Length > 4L * ClientLimits.MaxValueBytes) throw new UsageException($"{file} is {info.Length} bytes, over the limit of {ClientLimits.MaxValueBytes} (1 MiB)");
                return TrimFinalNewline(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read --file {file}: {e.Message}");
            }
        }
        if (value == "-") return TrimFinalNewline(await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
        return value ?? throw new UsageException("set needs VALUE (or '-' to read standard input, or --file PATH)");
    }

    /// <summary>`echo text | raftctl set k -` stores "text", not "text\n".</summary>
    private static string TrimFinalNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
