using System.CommandLine;
using System.Runtime.CompilerServices;

namespace RaftKv.Ctl.Usage;

/// <summary>
/// The shapes a command's argument arities cannot say: an argument that is required unless an option takes its
/// place (<c>delete (KEY | --prefix P)</c>). The command declares it where it is built; <see cref="UsageMessage.Shape"/>
/// shows it in the help page, the command list and the hint after a usage error.
/// </summary>
internal static class UsageShapes
{
    private static readonly ConditionalWeakTable<Command, string> Declared = new();

    /// <summary>Declares what follows the command's name in its usage line, for example <c>(KEY | --prefix P)</c>.</summary>
    public static void Declare(Command command, string arguments) => Declared.AddOrUpdate(command, arguments);

    public static string? Of(Command command) => Declared.TryGetValue(command, out var arguments) ? arguments : null;
}
