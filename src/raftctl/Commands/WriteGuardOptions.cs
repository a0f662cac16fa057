using System.CommandLine;
using RaftKv.Client;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>The compare-and-set options shared by set and delete, and what a failed condition prints.</summary>
internal sealed class WriteGuardOptions
{
    public Option<bool> IfAbsent { get; } = new("--if-absent") { Description = "Only if KEY does not exist (else exit code 4, nothing changed)" };

    public Option<long?> IfVersion { get; } = new("--if-version")
    {
        Description = "Only if KEY's version (writes since it was created; 0 = absent) is N (else exit code 4)",
        HelpName = "N",
    };

    public Option<long?> IfModRevision { get; } = new("--if-mod-revision")
    {
        Description = "Only if KEY was last written at revision R (see get --json) (else exit code 4)",
        HelpName = "R",
    };

    public Option<string?> IfValue { get; } = new("--if-value")
    {
        Description = "Only if KEY exists with this value (JSON if it parses, else a string; compared as JSON) (else exit code 4)",
        HelpName = "VALUE",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(IfAbsent);
        command.Options.Add(IfVersion);
        command.Options.Add(IfModRevision);
        command.Options.Add(IfValue);
    }

    public WriteOptions Read(CommandContext context, long? lease)
    {
        var options = new WriteOptions
        {
            IfAbsent = context.Get(IfAbsent),
            IfVersion = context.Get(IfVersion),
            IfModRevision = context.Get(IfModRevision),
            IfValue = context.Get(IfValue) is { } text ? ValueParser.Parse(text) : null,
            Lease = lease,
        };
        if (options.IfAbsent && (options.IfVersion is not null || options.IfModRevision is not null || options.IfValue is not null))
            throw new UsageException("--if-absent cannot be combined with another --if-... option");
        if (options.IfVersion is < 0 || options.IfModRevision is < 0) throw new UsageException("--if-version and --if-mod-revision take a number >= 0");
        return options;
    }

    /// <summary>Prints a failed condition (the key as it is: on stdout with --json, else on stderr) and returns exit code 4.</summary>
    public static int ConditionFailed(CommandContext context, string key, ClientResponse response)
    {
        if (context.Json)
        {
            context.WriteJson(writer => KvJson.WriteConditionFailed(writer, key, response));
        }
        else
        {
            var now = response.Kv is { } kv
                ? $"it has version {kv.Version}, modRevision {kv.ModRevision}, value {kv.Value?.GetRawText() ?? "null"}"
                : "it does not exist";
            context.Error.WriteLine($"condition failed: {key}: {now}");
        }
        return ExitCodes.ConditionFailed;
    }
}
