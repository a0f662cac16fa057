using System.CommandLine;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>get [KEY] [--stale]</c>: prints a value as JSON, or every key and value as one JSON object.
/// <c>get --prefix P | --from A [--to B]</c> with <c>--limit N --keys-only --count-only</c>: a range, in ordinal key order.
/// </summary>
internal static class GetCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string?>("KEY") { Description = "The key to read; without it (and without a range), every key", Arity = ArgumentArity.ZeroOrOne };
        var stale = new Option<bool>("--stale")
        {
            Description = "Let any node answer from its own state without confirming leadership (faster, may miss recent writes)",
        };
        var prefix = new Option<string?>("--prefix") { Description = "Read every key starting with P (\"\" is every key)", HelpName = "P" };
        var from = new Option<string?>("--from") { Description = "Read the keys k with A <= k < B (ordinal order); with --to", HelpName = "A" };
        var to = new Option<string?>("--to") { Description = "End of the range (excluded); without it, to the last key", HelpName = "B" };
        var limit = new Option<int?>("--limit") { Description = "Return at most N keys of a range (the count and \"more\" still describe the whole range)", HelpName = "N" };
        var keysOnly = new Option<bool>("--keys-only") { Description = "Range: print the keys only, one per line (--json: kvs without values)" };
        var countOnly = new Option<bool>("--count-only") { Description = "Range: print only how many keys it holds" };
        var raw = new Option<bool>("--raw") { Description = "Print a string value as its text, without quotes or escapes (other values as JSON)" };
        var command = new Command("get", "Print the value of KEY as JSON (exit code 1 if missing), every key and value as one JSON object, or a range (--prefix, --from/--to)");
        command.Arguments.Add(key);
        command.Options.Add(stale);
        command.Options.Add(prefix);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(limit);
        command.Options.Add(keysOnly);
        command.Options.Add(countOnly);
        command.Options.Add(raw);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = context.Get(key);
            var isStale = context.Get(stale);
            var p = context.Get(prefix);
            var f = context.Get(from);
            var t = context.Get(to);
            var isRange = p is not null || f is not null;
            if (!isRange && (t is not null || context.Get(limit) is not null || context.Get(keysOnly) || context.Get(countOnly)))
                throw new UsageException("--to, --limit, --keys-only and --count-only need a range: --prefix P or --from A");
            if (isRange)
            {
                if (k is not null) throw new UsageException("give KEY or a range (--prefix P, --from A [--to B]), not both");
                if (p is not null && (f is not null || t is not null)) throw new UsageException("give --prefix P or --from A [--to B], not both");
                if (context.Get(limit) is < 1) throw new UsageException("--limit takes a number >= 1");
                if (context.Get(keysOnly) && context.Get(countOnly)) throw new UsageException("--keys-only and --count-only exclude each other");
                var query = new RangeQuery
                {
                    Prefix = p, From = f, To = t, Limit = context.Get(limit), KeysOnly = context.Get(keysOnly), CountOnly = context.Get(countOnly),
                };
                return await GetRangeAsync(context, query, isStale, cancellationToken).ConfigureAwait(false);
            }
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
                    if (found && response.Kv is { } kv) KvJson.WriteRevisions(writer, kv);
                    if (response.Revision is { } revision) writer.WriteNumber("revision", revision);
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

    private static async Task<int> GetRangeAsync(CommandContext context, RangeQuery query, bool stale, CancellationToken cancellationToken)
    {
        var response = await context.Client.RangeAsync(query, stale, cancellationToken).ConfigureAwait(false);
        if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
        var kvs = response.Kvs ?? [];
        if (context.Json)
        {
            context.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("revision", response.Revision ?? 0);
                writer.WriteNumber("count", response.Count ?? 0);
                writer.WriteBoolean("more", response.More ?? false);
                if (!query.CountOnly)
                {
                    writer.WriteStartArray("kvs");
                    foreach (var kv in kvs) KvJson.WriteKv(writer, kv);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            });
        }
        else if (query.CountOnly)
        {
            context.Output.WriteLine(response.Count ?? 0);
        }
        else if (query.KeysOnly)
        {
            foreach (var kv in kvs) context.Output.WriteLine(kv.Key);
        }
        else
        {
            context.WriteJson(writer => JsonOutput.WriteObject(writer, kvs.ToDictionary(kv => kv.Key, kv => kv.Value ?? default)));
        }
        if (response.More == true && !context.Json)
            context.Error.WriteLine($"(showing {kvs.Length} of {response.Count} keys; raise --limit for more)");
        return ExitCodes.Success;
    }
}
