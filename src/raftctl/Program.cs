using RaftKv.Ctl;

// Ctrl+C cancels the running command. At the interactive prompt that is all it does (as in a shell: the prompt
// comes back); otherwise the first Ctrl+C makes raftctl exit with 130, and a second one, for a read the console
// cannot cancel, ends the process the default way.
using var interrupted = new CancellationTokenSource();
var terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
var cli = new Cli(Console.Out, Console.Error, Console.In, indentJson: !Console.IsOutputRedirected, showPrompt: !Console.IsInputRedirected,
    readKey: terminal ? ReadKey : null, historyFile: terminal ? RaftKv.Ctl.Prompt.LineEditor.DefaultHistoryFile() : null);
Console.CancelKeyPress += (_, e) =>
{
    if (cli.CancelCurrentCommand())
    {
        e.Cancel = true;
        return;
    }
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};
return await cli.RunAsync(args, interrupted.Token);

// While a line is being typed, Ctrl+C is a key (it drops the line); while a command runs, it is a signal (above).
static ConsoleKeyInfo ReadKey()
{
    Console.TreatControlCAsInput = true;
    try
    {
        return Console.ReadKey(intercept: true);
    }
    finally
    {
        Console.TreatControlCAsInput = false;
    }
}
