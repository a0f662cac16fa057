using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using System.Text.RegularExpressions;

namespace RaftKv.Ctl.Usage;

/// <summary>
/// Turns what the parser found wrong into one line a person can act on, plus one hint line: no .NET type names,
/// no repeated lines, "did you mean" for a near-miss command or option, and the command's real usage shape.
/// </summary>
internal static partial class UsageMessage
{
    /// <summary>The error line (without "error: ") for the first problem of <paramref name="parse"/>.</summary>
    public static string Describe(ParseResult parse, Command root)
    {
        var command = parse.CommandResult.Command;
        foreach (var error in parse.Errors)
        {
            var message = error.Message;
            if (UnrecognizedPattern().Match(message) is { Success: true } unrecognized)
            {
                var word = unrecognized.Groups[1].Value;
                if (command == root && !word.StartsWith('-'))
                {
                    var suggestion = Suggestions.Closest(word, Names(root.Subcommands));
                    return suggestion is null ? $"unknown command '{word}'" : $"unknown command '{word}'; did you mean '{suggestion}'?";
                }
                if (word.StartsWith('-'))
                {
                    var options = command.Options.Concat(root.Options).SelectMany(o => o.Aliases.Append(o.Name)).Distinct();
                    var suggestion = Suggestions.Closest(word, options);
                    return suggestion is null ? $"unknown option '{word}' for {Path(command, root)}" : $"unknown option '{word}'; did you mean '{suggestion}'?";
                }
                return $"unexpected argument '{word}' for {Path(command, root)}";
            }
            if (CannotParsePattern().Match(message) is { Success: true } cannotParse)
            {
                // For an argument System.CommandLine names the command ("for command 'transfer-leader'"): name the argument.
                var what = error.SymbolResult is ArgumentResult argument ? ArgumentName(argument.Argument) : cannotParse.Groups[2].Value;
                return $"{what} expects {Kind(cannotParse.Groups[3].Value)}, not '{cannotParse.Groups[1].Value}'";
            }
            if (NotAmongPattern().Match(message) is { Success: true } notAmong)
            {
                // System.CommandLine lists the allowed values one per line: keep the error to one line.
                var allowed = QuotedPattern().Matches(notAmong.Groups[2].Value).Select(m => m.Groups[1].Value);
                var what = error.SymbolResult switch
                {
                    ArgumentResult argument => ArgumentName(argument.Argument),
                    OptionResult option => option.Option.Name,
                    _ => "the value",
                };
                return $"{what} must be one of {string.Join(", ", allowed)}, not '{notAmong.Groups[1].Value}'";
            }
            if (message.StartsWith("Required argument missing", StringComparison.Ordinal))
            {
                var missing = command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && parse.GetResult(a) is null or { Tokens.Count: 0 }).Select(a => a.Name).ToList();
                return missing.Count == 0 ? $"{Path(command, root)} is missing an argument" : $"{Path(command, root)} needs {string.Join(" and ", missing)}";
            }
            if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
                return $"{Path(command, root)} needs a subcommand";
            // Anything else System.CommandLine says, kept to one line.
            return string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        }
        return "invalid command line";
    }

    /// <summary>The hint line: the command's usage, and where to read more.</summary>
    public static string Hint(ParseResult parse, Command root, bool interactive)
    {
        var command = parse.CommandResult.Command;
        if (command == root) return interactive ? "type help for the list of commands" : "run 'raftctl help' for the list of commands";
        var help = interactive ? $"help {Path(command, root)}" : $"raftctl help {Path(command, root)}";
        return $"usage: {(interactive ? "" : "raftctl ")}{Shape(command, root)}  (more: {help})";
    }

    /// <summary>
    /// The usage shape of a command: required arguments bare, optional ones in brackets (or the shape the command
    /// declared with <see cref="UsageShapes"/> when an option can take an argument's place), COMMAND for a command
    /// with subcommands, then [options] when it has options of its own.
    /// </summary>
    public static string Shape(Command command, Command root)
    {
        var text = new StringBuilder(Path(command, root));
        if (UsageShapes.Of(command) is { } declared)
        {
            text.Append(' ').Append(declared);
        }
        else
        {
            foreach (var argument in command.Arguments.Where(a => !a.Hidden))
            {
                var name = ArgumentName(argument);
                text.Append(' ').Append(argument.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
            }
        }
        if (command.Subcommands.Any(c => !c.Hidden)) text.Append(" COMMAND");
        if (command.Options.Any(o => !o.Hidden && !o.Recursive && o is not System.CommandLine.Help.HelpOption)) text.Append(" [options]");
        return text.ToString();
    }

    /// <summary>An argument as the usage line and the help page name it: its help name, with ... when it takes several values.</summary>
    public static string ArgumentName(Argument argument) =>
        (argument.HelpName ?? argument.Name) + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");

    /// <summary>The words that name <paramref name="command"/> after raftctl: <c>member add</c>.</summary>
    public static string Path(Command command, Command root)
    {
        var path = new List<string>();
        for (var c = command; c != root && c is not null; c = c.Parents.OfType<Command>().FirstOrDefault()!) path.Insert(0, c.Name);
        return string.Join(' ', path);
    }

    private static IEnumerable<string> Names(IEnumerable<Command> commands) =>
        commands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));

    private static string Kind(string type)
    {
        if (NullablePattern().Match(type) is { Success: true } nullable) type = nullable.Groups[1].Value;
        return type switch
        {
            "System.Int32" or "System.Int64" or "System.UInt32" or "System.UInt64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration",
            _ => "a value of another kind",
        };
    }

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'")]
    private static partial Regex UnrecognizedPattern();

    [GeneratedRegex(@"^Cannot parse argument '(.*)' for (?:option|argument|command) '(.*)' as expected type '(.*)'")]
    private static partial Regex CannotParsePattern();

    [GeneratedRegex(@"^Argument '(.*)' not recognized\. Must be one of:(.*)$", RegexOptions.Singleline)]
    private static partial Regex NotAmongPattern();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@"^System\.Nullable`1\[(.*)\]$")]
    private static partial Regex NullablePattern();
}
