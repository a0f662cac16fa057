using System.CommandLine;
using System.CommandLine.Invocation;

namespace RaftKv.Ctl.Usage;

/// <summary>The help option's action: raftctl's own overview at the top level, System.CommandLine's help for a command.</summary>
internal sealed class OverviewHelpAction(Command root, SynchronousCommandLineAction standard, Action<TextWriter> writeOverview) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command != root) return standard.Invoke(parseResult);
        writeOverview(parseResult.InvocationConfiguration.Output);
        return ExitCodes.Success;
    }
}
