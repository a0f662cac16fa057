using System.CommandLine;
using RaftKv.Client;
using RaftKv.Ctl.Bench;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>bench</c>: a load generator in the spirit of etcd's benchmark tool. Every operation takes the normal
/// client path, so the numbers are what a user of <see cref="RaftClient"/> gets: committed, fsynced writes
/// and linearizable (or, with --stale, local) reads.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(Cli cli)
    {
        var options = new BenchCommandOptions();
        var command = new Command("bench", "Measure throughput and latency: N closed-loop clients writing (and reading) through the Raft log; prints ops/s and latency percentiles");
        options.AddTo(command);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            BenchOptions bench;
            try
            {
                bench = options.Read(context.Parse);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message, e);
            }

            var servers = context.Servers;
            var clients = Enumerable.Range(0, bench.EffectiveConnections)
                .Select(_ => new RaftClient(new RaftClientOptions { Servers = servers.Addresses, Timeout = context.Timeout }))
                .ToList();
            try
            {
                var runner = new BenchRunner(bench, clients);
                await runner.WarmUpAsync(cancellationToken).ConfigureAwait(false);
                var result = await RunWithProgressAsync(context, runner, bench, cancellationToken).ConfigureAwait(false);

                if (context.Json) context.WriteJson(result.WriteJson);
                else context.Output.Write(result.ToText());

                if (result.Interrupted) return ExitCodes.Interrupted;
                if (result.Ops == 0)
                {
                    context.Error.WriteLine("error: no operation succeeded");
                    return ExitCodes.Unavailable;
                }
                return ExitCodes.Success;
            }
            finally
            {
                foreach (var client in clients) await client.DisposeAsync().ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<BenchResult> RunWithProgressAsync(CommandContext context, BenchRunner runner, BenchOptions bench, CancellationToken cancellationToken)
    {
        // Only a real terminal gets the bar: a log file or a test's StringWriter would collect every redraw.
        if (!ReferenceEquals(context.Error, Console.Error) || Console.IsErrorRedirected)
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);

        var bar = new ProgressBar(context.Error, runner, bench);
        using var stopBar = new CancellationTokenSource();
        var drawing = bar.RunAsync(stopBar.Token);
        try
        {
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stopBar.CancelAsync().ConfigureAwait(false);
            await drawing.ConfigureAwait(false);
            bar.Clear();
        }
    }
}
