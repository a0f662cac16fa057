using RaftKv.Ctl;

// Ctrl+C cancels the running command (exit code 130) instead of killing the process mid-write.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
var cli = new Cli(Console.Out, Console.Error, Console.In, indentJson: !Console.IsOutputRedirected);
return await cli.RunAsync(args, interrupted.Token);
