using System.CommandLine;

namespace RaftKv.Ctl.Usage;

/// <summary>
/// A command's help page (<c>raftctl help set</c>, <c>set --help</c>): its description, its real usage shape (the one
/// the hint after a usage error shows), its arguments, subcommands and options, in raftctl's notation (KEY required,
/// [KEY] optional, (A | B) one of), never System.CommandLine's <c>&lt;KEY&gt;</c>.
/// </summary>
internal static class CommandHelp
{
    public static void Write(TextWriter writer, Command command, Command root)
    {
        if (command.Description is { Length: > 0 } description)
        {
            writer.WriteLine(description);
            writer.WriteLine();
        }
        writer.WriteLine("Usage:");
        writer.WriteLine($"  raftctl {UsageMessage.Shape(command, root)}");

        var arguments = command.Arguments.Where(a => !a.Hidden)
            .Select(a => (Left: UsageMessage.ArgumentName(a), Right: Describe(a, UsageShapes.Of(command) is null))).ToList();
        var subcommands = command.Subcommands.Where(c => !c.Hidden)
            .Select(c => (Left: UsageMessage.Shape(c, root)[(UsageMessage.Path(command, root).Length + 1)..], Right: c.Description ?? "")).ToList();
        var own = command.Options.Where(o => !o.Hidden && !o.Recursive).Select(o => (Left: OptionName(o), Right: DescribeOption(o))).ToList();
        var global = root.Options.Where(o => !o.Hidden && (o.Recursive || o is System.CommandLine.Help.HelpOption))
            .Select(o => (Left: OptionName(o), Right: o is System.CommandLine.Help.HelpOption ? "Show this help" : DescribeOption(o))).ToList();
        var width = arguments.Concat(subcommands).Concat(own).Concat(global).Select(r => r.Left.Length).DefaultIfEmpty(0).Max() + 2;

        Section(writer, "Arguments:", arguments, width);
        Section(writer, "Commands:", subcommands, width);
        Section(writer, "Options:", own, width);
        Section(writer, "Options (any command):", global, width);
    }

    private static void Section(TextWriter writer, string title, List<(string Left, string Right)> rows, int width)
    {
        if (rows.Count == 0) return;
        writer.WriteLine();
        writer.WriteLine(title);
        foreach (var (left, right) in rows) writer.WriteLine($"  {left.PadRight(width)}{right}".TrimEnd());
    }

    /// <param name="markOptional">Whether to say "(optional)": not when the command declared its shape, whose description says when the argument is needed.</param>
    private static string Describe(Argument argument, bool markOptional)
    {
        var text = argument.Description ?? "";
        if (markOptional && argument.Arity.MinimumNumberOfValues == 0) text += " (optional)";
        return text.TrimStart();
    }

    /// <summary>All spellings, long first (<c>--help, -h, -?</c>), then the value's name: <c>--file PATH</c>.</summary>
    public static string OptionName(Option option)
    {
        var names = string.Join(", ", option.Aliases.Prepend(option.Name).Where(a => a.StartsWith('-')).Distinct().OrderByDescending(a => a.StartsWith("--", StringComparison.Ordinal)).ThenByDescending(a => a.Length));
        var takesValue = option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);
        return takesValue ? $"{names} {option.HelpName ?? "VALUE"}" : names;
    }

    private static string DescribeOption(Option option)
    {
        var text = option.Description ?? "";
        if (option.HasDefaultValue && option.ValueType != typeof(bool) && option.GetDefaultValue() is { } value)
            text += $" (default: {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)})";
        return text;
    }
}
