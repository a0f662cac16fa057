using System.CommandLine;
using System.CommandLine.Invocation;

namespace RaftKv.Ctl.Usage;

/// <summary>The help option's action: raftctl's own overview at the top level, <see cref="CommandHelp"/> for a command.</summary>
internal sealed class HelpPageAction(Command root, Action<TextWriter> writeOverview) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        if (command == root) writeOverview(parseResult.InvocationConfiguration.Output);
        else CommandHelp.Write(parseResult.InvocationConfiguration.Output, command, root);
        return ExitCodes.Success;
    }
}
