using RaftKv.Ctl;

// The first Ctrl+C cancels the running command (or the prompt) and raftctl exits with 130; a
// second one, for a read the console cannot cancel, ends the process the default way.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};
var cli = new Cli(Console.Out, Console.Error, Console.In, indentJson: !Console.IsOutputRedirected);
return await cli.RunAsync(args, interrupted.Token);
