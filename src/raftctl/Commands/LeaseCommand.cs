using System.CommandLine;
using RaftKv.Protocol;

namespace RaftKv.Ctl.Commands;

/// <summary>
/// <c>lease grant TTL | keepalive ID | revoke ID | ttl ID | list</c>. The leader counts each lease down and, when it
/// runs out, deletes its keys through the log; keepalive restarts the count until Ctrl+C.
/// </summary>
internal static class LeaseCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("lease", "Leases: keys attached to one (set KEY VALUE --lease ID) are deleted when it expires or is revoked");
        command.Subcommands.Add(Grant(cli));
        command.Subcommands.Add(KeepAlive(cli));
        command.Subcommands.Add(Revoke(cli));
        command.Subcommands.Add(Ttl(cli));
        command.Subcommands.Add(List(cli));
        return command;
    }

    private static Argument<long> IdArgument() => new("ID") { Description = "The lease id printed by lease grant" };

    private static Command Grant(Cli cli)
    {
        var ttl = new Argument<long>("TTL") { Description = "Seconds the lease lives without a keepalive (1 or more)" };
        var command = new Command("grant", "Create a lease of TTL seconds and print its id");
        command.Arguments.Add(ttl);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var seconds = context.Get(ttl);
            if (seconds is < 1 or > RaftKv.Client.ClientLimits.MaxLeaseTtlSeconds) throw new UsageException($"TTL must be 1 to {RaftKv.Client.ClientLimits.MaxLeaseTtlSeconds} seconds");
            var response = await context.Client.LeaseGrantAsync(seconds, cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok || response.LeaseId is not { } id) return context.Unexpected(response);
            if (context.Json) context.WriteJson(w => { w.WriteStartObject(); w.WriteNumber("id", id); w.WriteNumber("ttl", seconds); w.WriteEndObject(); });
            else context.Output.WriteLine(id);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command KeepAlive(Cli cli)
    {
        var id = IdArgument();
        var command = new Command("keepalive", "Keep lease ID alive until Ctrl+C (renews at a third of its TTL); exit code 1 when it has expired");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var lease = ValidId(context.Get(id));
            while (true)
            {
                var response = await context.Client.LeaseKeepAliveAsync(lease, cancellationToken).ConfigureAwait(false);
                if (response.Status == ClientStatus.NotFound)
                {
                    context.Error.WriteLine($"error: {response.Error ?? $"lease {lease} not found"}");
                    return ExitCodes.NotFound;
                }
                if (response.Status != ClientStatus.Ok || response.Lease is not { } view) return context.Unexpected(response);
                if (context.Json) context.WriteJson(w => { w.WriteStartObject(); w.WriteNumber("id", lease); w.WriteNumber("ttl", view.Ttl); w.WriteEndObject(); });
                else context.Output.WriteLine($"lease {lease} kept alive for {view.Ttl}s");
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(view.Ttl, 1) / 3.0), cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static Command Revoke(Cli cli)
    {
        var id = IdArgument();
        var command = new Command("revoke", "Delete lease ID and every key attached to it (exit code 1 if there is no such lease)");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var lease = ValidId(context.Get(id));
            var response = await context.Client.LeaseRevokeAsync(lease, cancellationToken).ConfigureAwait(false);
            if (response.Status == ClientStatus.NotFound)
            {
                context.Error.WriteLine($"error: {response.Error ?? $"lease {lease} not found"}");
                return ExitCodes.NotFound;
            }
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            if (context.Json) context.WriteJson(w => { w.WriteStartObject(); w.WriteNumber("id", lease); w.WriteNumber("deleted", response.Deleted ?? 0); w.WriteEndObject(); });
            else context.Output.WriteLine($"OK ({response.Deleted ?? 0} keys deleted)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Ttl(Cli cli)
    {
        var id = IdArgument();
        var command = new Command("ttl", "Print lease ID's TTL, the seconds it has left, and its keys (exit code 1 if there is no such lease)");
        command.Arguments.Add(id);
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var lease = ValidId(context.Get(id));
            var response = await context.Client.LeaseTtlAsync(lease, cancellationToken).ConfigureAwait(false);
            if (response.Status == ClientStatus.NotFound)
            {
                context.Error.WriteLine($"error: {response.Error ?? $"lease {lease} not found"}");
                return ExitCodes.NotFound;
            }
            if (response.Status != ClientStatus.Ok || response.Lease is not { } view) return context.Unexpected(response);
            if (context.Json) context.WriteJson(w => System.Text.Json.JsonSerializer.Serialize(w, view, ProtocolJsonContext.Default.LeaseView));
            else context.Output.WriteLine($"lease {view.Id}: ttl {view.Ttl}s, {view.Remaining}s left, keys: {(view.Keys is { Length: > 0 } keys ? string.Join(", ", keys) : "none")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(Cli cli)
    {
        var command = new Command("list", "Print every lease: id, TTL and seconds left");
        cli.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Client.LeaseListAsync(cancellationToken).ConfigureAwait(false);
            if (response.Status != ClientStatus.Ok) return context.Unexpected(response);
            var leases = response.Leases ?? [];
            if (context.Json) context.WriteJson(w => System.Text.Json.JsonSerializer.Serialize(w, leases, ProtocolJsonContext.Default.LeaseViewArray));
            else foreach (var l in leases) context.Output.WriteLine($"{l.Id}\tttl {l.Ttl}s\t{l.Remaining}s left");
            return ExitCodes.Success;
        });
        return command;
    }

    private static long ValidId(long id) => id >= 1 ? id : throw new UsageException("ID must be a lease id (> 0) from lease grant");
}
