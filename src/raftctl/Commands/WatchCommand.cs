using System.CommandLine;
using System.Globalization;
using RaftKv.Client;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>watch KEY [--prefix] [--from-revision R]</c>: prints each change until Ctrl+C. Plain: one line per event,
/// <c>put KEY VALUE (rev R, version V)</c> or <c>delete KEY (rev R)</c>; --json: one object per line.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(Cli cli)
    {
        var key = new Argument<string>("KEY") { Description = "The key to watch (with --prefix: the prefix; \"\" is every key)" };
        var prefix = new Option<bool>("--prefix") { Description = "Watch every key starting with KEY" };
        var fromRevision = new Option<long?>("--from-revision")
        {
            Description = "Start with the changes at revision R and later (exit code 5 if they were compacted away); default: changes from now on",
            HelpName = "R",
        };
        var count = new Option<int?>("--count")
        {
            Description = "Exit (code 0) after N events instead of running until Ctrl+C: scripts wait for a change with --count 1",
            HelpName = "N",
        };
        var command = new Command("watch",
            "Stream changes of KEY until Ctrl+C, in revision order with none skipped or repeated, resuming on another node when one fails. "
            + "--json: one {\"type\",\"key\",\"value\",\"modRevision\",\"version\"} per line");
        command.Arguments.Add(key);
        command.Options.Add(prefix);
        command.Options.Add(fromRevision);
        command.Options.Add(count);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var k = context.Get(key) ?? "";
            var isPrefix = context.Get(prefix);
            if (!isPrefix) KeyArguments.Validate(k);
            if (context.Get(fromRevision) is < 1) throw new UsageException("--from-revision takes a revision >= 1");
            var remaining = context.Get(count) ?? int.MaxValue;
            if (remaining < 1) throw new UsageException("--count takes a number >= 1");

            void Retry(string reason) => context.Error.WriteLine($"watch: {reason}");
            context.Client.WatchRetry += Retry;
            try
            {
                await foreach (var e in context.Client.WatchAsync(k, isPrefix, context.Get(fromRevision), cancellationToken).ConfigureAwait(false))
                {
                    if (context.Json)
                    {
                        await context.Output.WriteLineAsync(JsonOutput.Format(false, writer => KvJson.WriteEvent(writer, e))).ConfigureAwait(false);
                    }
                    else
                    {
                        var rev = e.ModRevision.ToString(CultureInfo.InvariantCulture);
                        var line = e.Type == Protocol.WatchEvent.Put
                            ? $"put {e.Key} {JsonOutput.Format(e.Value ?? default, false)} (rev {rev}, version {e.Version.ToString(CultureInfo.InvariantCulture)})"
                            : $"delete {e.Key} (rev {rev})";
                        await context.Output.WriteLineAsync(line).ConfigureAwait(false);
                    }
                    await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (--remaining == 0) break;
                }
            }
            catch (WatchCompactedException e)
            {
                context.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Compacted;
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            finally
            {
                context.Client.WatchRetry -= Retry;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
