using System.CommandLine;
using RaftKv.Client;
using System.Globalization;
using RaftKv.Ctl.Bench;
using RaftKv.Ctl.Terminal;
using Spectre.Console;

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
                .Select(_ => new RaftClient(new RaftClientOptions { Servers = servers.Addresses, Timeout = context.Timeout, Tls = context.Tls }))
                .ToList();
            try
            {
                var runner = new BenchRunner(bench, clients);
                await runner.WarmUpAsync(cancellationToken).ConfigureAwait(false);
                var result = await RunWithProgressAsync(context, runner, bench, cancellationToken).ConfigureAwait(false);

                if (context.Json) context.WriteJson(result.WriteJson);
                else context.Output.Write(result.ToText());
                if (bench.Cleanup)
                {
                    // Not interrupted by the Ctrl+C that ended the run: the keys should go either way.
                    using var cleanupDeadline = new CancellationTokenSource(context.Timeout * 3);
                    var deleted = await runner.CleanupAsync(cleanupDeadline.Token).ConfigureAwait(false);
                    context.Error.WriteLine($"cleanup: deleted {deleted} keys under {bench.Prefix}");
                }

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
        // Only a real terminal gets the bar (Spectre.Console's progress display, on stderr): a log file or a
        // test's StringWriter would collect every redraw.
        if (!Consoles.IsTerminal(context.Error))
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);

        BenchResult? result = null;
        await Consoles.For(context.Error).Progress()
            .AutoClear(true)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var total = bench.EffectiveTotal is long t ? t : bench.Duration!.Value.TotalSeconds;
                var task = progress.AddTask("bench", maxValue: total);
                var run = runner.RunAsync(cancellationToken);
                while (!run.IsCompleted)
                {
                    var rate = runner.Elapsed.TotalSeconds > 0 ? runner.Completed / runner.Elapsed.TotalSeconds : 0;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{runner.Completed} ops, {rate:0} ops/s, {runner.Failed} errors");
                    task.Value = bench.EffectiveTotal is not null ? runner.Completed : Math.Min(total, runner.Elapsed.TotalSeconds);
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false);
                }
                result = await run.ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result!;
    }
}
