using System.CommandLine;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary><c>txn [FILE]</c>: applies an etcd-style transaction document (from FILE, or stdin when FILE is absent or "-") atomically.</summary>
internal static class TxnCommand
{
    private const string Example = """{"compare":[{"key":"k","target":"version","op":"=","value":0}],"success":[{"op":"set","key":"k","value":1}],"failure":[{"op":"get","key":"k"}]}""";

    public static Command Create(Cli cli)
    {
        var file = new Argument<string?>("FILE") { Description = "The transaction document; - or absent: read it from stdin (at the interactive prompt, give FILE)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("txn",
            "Apply a transaction atomically (one log entry): if every compare holds run the success ops, else the failure ops. "
            + "Prints succeeded/failed and the results of get ops; exit code 4 when the failure branch ran. Document: " + Example
            + " (targets: version, createRevision, modRevision, value, lease; ops =, !=, <, >; ops: set [lease], delete [prefix], get [prefix]; see docs/PROTOCOL.md)");
        command.Arguments.Add(file);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var path = context.Get(file);
            string text;
            try
            {
                text = path is null or "-"
                    ? await cli.Input.ReadToEndAsync(cancellationToken).ConfigureAwait(false)
                    : await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new UsageException($"cannot read {path}: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new UsageException($"cannot read {path}: {e.Message}");
            }
            JsonElement document;
            try
            {
                document = JsonElement.Parse(text);
            }
            catch (JsonException e)
            {
                // System.Text.Json's message quotes the input (newlines and all) and counts from 0: say where, on one line.
                var where = e.LineNumber is long line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
                throw new UsageException($"the transaction is not valid JSON{where} (see raftctl help txn for its shape)");
            }
            if (document.ValueKind != JsonValueKind.Object) throw new UsageException("the transaction must be a JSON object with compare, success and failure");

            var response = await context.Client.TxnAsync(document, cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            var succeeded = response.Succeeded == true;
            if (context.Json)
            {
                context.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("succeeded", succeeded);
                    if (response.Revision is { } revision) writer.WriteNumber("revision", revision);
                    writer.WriteStartArray("responses");
                    foreach (var r in response.Responses ?? [])
                    {
                        writer.WriteStartObject();
                        writer.WriteString("op", r.Op);
                        if (r.Deleted is { } deleted) writer.WriteNumber("deleted", deleted);
                        if (r.Kvs is { } kvs)
                        {
                            writer.WriteStartArray("kvs");
                            foreach (var kv in kvs) KvJson.WriteKv(writer, kv);
                            writer.WriteEndArray();
                        }
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                context.Output.WriteLine(succeeded ? "succeeded" : "failed");
                foreach (var r in response.Responses ?? [])
                {
                    if (r.Kvs is { } kvs) context.WriteJson(writer => JsonOutput.WriteObject(writer, kvs.ToDictionary(kv => kv.Key, kv => kv.Value ?? default)));
                    else if (r.Deleted is { } deleted) context.Output.WriteLine($"deleted {deleted}");
                    else context.Output.WriteLine("OK");
                }
            }
            return succeeded ? ExitCodes.Success : ExitCodes.ConditionFailed;
        });
        return command;
    }
}
