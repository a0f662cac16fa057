using System.CommandLine;

namespace RaftKv.Ctl.Commands;

/// <summary><c>help [COMMAND]</c>: raftctl's help, or one command's (the same text as <c>COMMAND --help</c>).</summary>
internal static class HelpCommand
{
    public static Command Create(Cli cli)
    {
        var name = new Argument<string[]>("COMMAND") { Description = "The command to explain (for example: help set)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show raftctl's help, or COMMAND's");
        command.Arguments.Add(name);
        command.SetAction(parse => cli.PrintHelp(parse.GetValue(name) ?? [], cli.Output));
        return command;
    }
}
